package app

import (
	"context"
	"log/slog"

	"byline/internal/account"
	"byline/internal/comment"
)

// finishCommentRemovals removes the comments of deleted accounts whose
// deletion stopped before it finished (the choice is stored with the
// deletion); removing is idempotent, so a second node doing the same at
// the same time only repeats work.
func finishCommentRemovals(ctx context.Context, people *account.Store, comments *comment.Store, log *slog.Logger) {
	ids, err := people.CommentRemovalsPending(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("pending comment removals", "err", err)
		}
		return
	}
	for _, id := range ids {
		n, err := comments.RemoveByAuthor(ctx, id)
		if err == nil {
			err = people.CommentsRemoved(ctx, id)
		}
		if err != nil {
			if ctx.Err() == nil {
				log.Error("remove a deleted account's comments", "user", id, "err", err)
			}
			continue
		}
		log.Info("removed a deleted account's comments", "user", id, "comments", n)
	}
}
