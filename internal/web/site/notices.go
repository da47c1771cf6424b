package site

import (
	"byline/internal/web/core"
)

// Notices shown once after a redirect (see notice). Each is declared
// once; code names the variable, so a notice cannot be missing.
var (
	flashRegisterCheck          = core.NewFlash("register-check", "Check your mail to finish: we sent a message to the address you gave. Follow its link to confirm your address, then sign in here. (If the address already has an account, the message says so.)")
	flashSignedIn               = core.NewFlash("signed-in", "You are signed in.")
	flashSignedOut              = core.NewFlash("signed-out", "You are signed out.")
	flashVerified               = core.NewFlash("verified", "Thank you: your e-mail address is confirmed.")
	flashVerifySent             = core.NewFlash("verify-sent", "We sent a new confirmation link. It may take a minute to arrive.")
	flashResetSent              = core.NewFlash("reset-sent", "We sent a mail to that address. If it has an account here, the mail's link resets its password; it works for an hour.")
	flashPasswordReset          = core.NewFlash("password-reset", "Your password is changed and you are signed in. Other devices were signed out.")
	flashPasswordChange         = core.NewFlash("password-change", "Your password is changed. Other devices were signed out.")
	flashEmailSent              = core.NewFlash("email-sent", "We sent a confirmation link to your new address. Your address changes when you follow it.")
	flashProfileSaved           = core.NewFlash("profile-saved", "Your profile is saved.")
	flashAvatarSaved            = core.NewFlash("avatar-saved", "Your picture is saved.")
	flashSessionsEnded          = core.NewFlash("sessions-ended", "Every other device is signed out.")
	flashSessionEnded           = core.NewFlash("session-ended", "That device is signed out.")
	flashTokenRevoked           = core.NewFlash("token-revoked", "The token is revoked; programs using it lose access now.")
	flashCommentPosted          = core.NewFlash("comment-posted", "Your comment is posted.")
	flashCommentHeld            = core.NewFlash("comment-held", "Thank you: your comment waits for a moderator and appears once approved.")
	flashCommentDuplicate       = core.NewFlash("comment-duplicate", "You had already posted that comment; here it is.")
	flashCommentEdited          = core.NewFlash("comment-edited", "Your comment is updated.")
	flashCommentDeleted         = core.NewFlash("comment-deleted", "Your comment is deleted.")
	flashCommentReported        = core.NewFlash("comment-reported", "Thank you: the moderators will look at it.")
	flashNotificationsSaved     = core.NewFlash("notifications-saved", "Your notification choice is saved.")
	flashQuoteSent              = core.NewFlash("quote-sent", "Thank you: your request is on its way.")
	flashNewsletterCheck        = core.NewFlash("newsletter-check", "Almost there: unless this address is on the list already, we sent it a link to confirm your subscription.")
	flashNewsletterSubscribed   = core.NewFlash("newsletter-subscribed", "You are subscribed. The next digest is on its way to you.")
	flashNewsletterConfirmed    = core.NewFlash("newsletter-confirmed", "Thank you: your subscription is confirmed.")
	flashNewsletterSaved        = core.NewFlash("newsletter-saved", "Your choice is saved.")
	flashNewsletterUnsubscribed = core.NewFlash("newsletter-unsubscribed", "You are unsubscribed: no more newsletters will be sent to this address.")
)
