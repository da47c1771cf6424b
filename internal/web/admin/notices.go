package admin

import (
	"byline/internal/web/core"
)

import "byline/internal/comment"

// Notices shown once after a redirect (see notice). Each is declared
// once; code names the variable, so a notice cannot be missing.
var (
	flashRolesSaved           = core.NewFlash("roles-saved", "Roles saved.")
	flashSuspended            = core.NewFlash("suspended", "The account is suspended and signed out everywhere.")
	flashUnsuspended          = core.NewFlash("unsuspended", "The account can sign in again.")
	flashDeleted              = core.NewFlash("deleted", "The account is deleted. What they wrote stays, without their details.")
	flashSettingsSaved        = core.NewFlash("settings-saved", "Settings saved.")
	flashBackupBusy           = core.NewFlash("backup-busy", "A backup is already running: wait for it to finish.")
	flashBackupNoFolder       = core.NewFlash("backup-no-folder", "Name a folder for backups in Settings first.")
	flashMailRetry            = core.NewFlash("mail-retry", "The message is queued again.")
	flashModerated            = core.NewFlash("moderated", "Done.")
	flashBanned               = core.NewFlash("banned", "The commenter is paused.")
	flashNewsletterDraftSaved = core.NewFlash("newsletter-draft-saved", "The newsletter is saved as a draft.")
	flashNewsletterTestSent   = core.NewFlash("newsletter-test-sent", "A test is on its way to your address.")
	flashNewsletterSending    = core.NewFlash("newsletter-sending", "The newsletter is going out now.")
	flashNewsletterScheduled  = core.NewFlash("newsletter-scheduled", "The newsletter is scheduled.")
	flashNewsletterCancelled  = core.NewFlash("newsletter-cancelled", "The newsletter is stopped.")
	flashMediaUploaded        = core.NewFlash("media-uploaded", "The image is uploaded.")
	flashMediaSaved           = core.NewFlash("media-saved", "The alt text is saved.")
	flashPageSaved            = core.NewFlash("page-saved", "The page is saved.")
	flashPageDeleted          = core.NewFlash("page-deleted", "The page is deleted.")
	flashMediaDeleted         = core.NewFlash("media-deleted", "The image is deleted.")
	flashArticleSaved         = core.NewFlash("article-saved", "Saved.")
	flashArticleSubmit        = core.NewFlash("article-submit", "Submitted for review: the editors are told.")
	flashArticleReturn        = core.NewFlash("article-return", "Returned to the writer with your note.")
	flashArticlePublish       = core.NewFlash("article-publish", "Published (or scheduled, if its date is to come).")
	flashArticleUnpublish     = core.NewFlash("article-unpublish", "Unpublished: it is a draft again.")
	flashArticlePin           = core.NewFlash("article-pin", "Pinned: it leads the home page until you unpin it.")
	flashArticleUnpin         = core.NewFlash("article-unpin", "Unpinned: it takes its place by date on the home page again.")
	flashArticleTrash         = core.NewFlash("article-trash", "Moved to the trash.")
	flashArticleRestore       = core.NewFlash("article-restore", "Taken out of the trash, as a draft.")
	flashArticleRestored      = core.NewFlash("article-restored", "The revision is restored.")
	flashDealerSaved          = core.NewFlash("dealer-saved", "The dealer is saved.")
	flashSubscriberForgotten  = core.NewFlash("subscriber-forgotten", "The subscriber is removed and forgotten.")
	flashImportStarted        = core.NewFlash("import-started", "The file is uploaded and the import has started. You may leave this page: it goes on.")
)

// Notices that report numbers ("2 articles moved to the trash"): the
// cookie holds the key and its figures, and the function writes the words.
var (
	flashArticlesBulk = core.NewCounted("articles-bulk", bulkMessage)
	// flashModeratedBy says what a moderation step did, by action.
	flashModeratedBy = map[comment.Action]core.Notice{
		comment.ActApprove: core.NewCounted("moderated-approve", core.Counted("Comment approved.", "%d comments approved.")),
		comment.ActHold:    core.NewCounted("moderated-hold", core.Counted("Comment held for review.", "%d comments held for review.")),
		comment.ActSpam:    core.NewCounted("moderated-spam", core.Counted("Comment marked as spam.", "%d comments marked as spam.")),
		comment.ActTrash:   core.NewCounted("moderated-trash", core.Counted("Comment moved to the trash.", "%d comments moved to the trash.")),
		comment.ActRestore: core.NewCounted("moderated-restore", core.Counted("Comment restored.", "%d comments restored.")),
	}
)
