package article

import (
	"errors"

	"byline/internal/account"
)

// ErrForbidden is a step the person's role does not allow on this article.
var ErrForbidden = errors.New("article: your role does not allow this step")

// May reports whether person p may take step on article a (nil: a new
// article) as it stands, from the permission table: contributors write and
// submit their own drafts, authors also publish their own, editors and
// admins do all. The store's Save and Step enforce it; screens ask it to
// offer only the steps that will work.
func May(p account.Person, a *Staff, step string) bool {
	own := a == nil || a.Author.ID == p.ID
	writer := p.Can(account.PermWriteArticles)
	publisher := p.Can(account.PermPublish) || (own && p.Can(account.PermPublishOwn))
	editable := p.Can(account.PermEditOthers) || (own && writer && (a == nil || a.Status == StatusDraft || p.Can(account.PermPublishOwn)))
	if a == nil {
		return step == "save" && writer
	}
	switch step {
	case "save", "revisions":
		return editable && !a.Trashed
	case "submit":
		return own && writer && a.Status == StatusDraft && !a.Trashed
	case "return":
		return p.Can(account.PermPublish) && a.Status == StatusPending
	case "publish":
		return publisher && a.Status != StatusPublished && a.Status != StatusScheduled && !a.Trashed
	case "unpublish":
		return publisher && (a.Status == StatusPublished || a.Status == StatusScheduled)
	case "trash":
		return editable && !a.Trashed
	case "restore":
		return (p.Can(account.PermEditOthers) || (own && writer)) && a.Trashed
	case "pin":
		return p.Can(account.PermPublish) && a.Status == StatusPublished && !a.Trashed && !a.Pinned
	case "unpin":
		return p.Can(account.PermPublish) && a.Pinned
	}
	return false
}
