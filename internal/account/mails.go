package account

import (
	"bytes"
	"context"
	"html/template"
	"strings"
	texttemplate "text/template"

	"byline/internal/db"
	"byline/internal/mail"
)

// MailContext is what account mails need to know about the site.
type MailContext struct {
	SiteName string
	BaseURL  string // absolute, no trailing slash
}

// Mailer stores mail in the outbox, inside the caller's transaction.
type Mailer interface {
	Enqueue(ctx context.Context, q db.Querier, m mail.Message) error
}

type accountMail struct {
	Site    string
	Name    string
	Link    string
	Action  string // the button's words
	Intro   string
	Outro   string
	Subject string
}

var textMail = texttemplate.Must(texttemplate.New("text").Parse(`Hello {{.Name}},

{{.Intro}}

{{.Link}}

{{.Outro}}

-- 
{{.Site}}
`))

var htmlMail = template.Must(template.New("html").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1c1b19; max-width: 36rem; margin: 0 auto; padding: 1.5rem;">
<p style="font: 700 1.3rem Georgia, serif;">{{.Site}}</p>
<p>Hello {{.Name}},</p>
<p>{{.Intro}}</p>
<p><a href="{{.Link}}" style="display: inline-block; background: #b3261e; color: #fff; padding: .6rem 1.1rem; border-radius: 6px; text-decoration: none; font-weight: 600;">{{.Action}}</a></p>
<p style="font-size: .9rem; color: #5e5a53;">Or paste this address into your browser:<br>{{.Link}}</p>
<p style="font-size: .9rem; color: #5e5a53;">{{.Outro}}</p>
</body></html>
`))

func buildMail(to string, m accountMail) mail.Message {
	var t, h bytes.Buffer
	// The templates are constants and m holds strings: only a mistake in
	// them can fail, and the tests send every one of these mails.
	if err := textMail.Execute(&t, m); err != nil {
		panic("account mail: " + err.Error())
	}
	if err := htmlMail.Execute(&h, m); err != nil {
		panic("account mail: " + err.Error())
	}
	return mail.Message{To: to, Subject: m.Subject, Text: t.String(), HTML: h.String()}
}

func verifyMail(mc MailContext, p Person, token string) mail.Message {
	return buildMail(p.Email, accountMail{Site: mc.SiteName, Name: p.DisplayName, Subject: "Confirm your e-mail address for " + mc.SiteName,
		Link: mc.BaseURL + "/verify?token=" + token, Action: "Confirm my address",
		Intro: "Please confirm your e-mail address to finish setting up your account. Once confirmed, you can join the discussion.",
		Outro: "The link works for 3 days. If you did not sign up, ignore this mail: no account is active without confirmation."})
}

func resetMail(mc MailContext, p Person, token string) mail.Message {
	return buildMail(p.Email, accountMail{Site: mc.SiteName, Name: p.DisplayName, Subject: "Reset your " + mc.SiteName + " password",
		Link: mc.BaseURL + "/password/reset?token=" + token, Action: "Choose a new password",
		Intro: "Someone asked to reset the password of your account. If it was you, choose a new password here:",
		Outro: "The link works once, for 1 hour. If you did not ask, ignore this mail; your password stays as it is."})
}

// registerNoticeMail tells the owner of an address that someone tried to
// open an account with it (the form does not say so, to anyone).
func registerNoticeMail(mc MailContext, p Person) mail.Message {
	return buildMail(p.Email, accountMail{Site: mc.SiteName, Name: p.DisplayName, Subject: "Someone tried to register with your address at " + mc.SiteName,
		Link: mc.BaseURL + "/login", Action: "Sign in",
		Intro: "Someone tried to create an account on " + mc.SiteName + " with this e-mail address, which already has one: yours. If it was you, sign in; if you forgot your password, reset it at " + mc.BaseURL + "/password/forgot",
		Outro: "If it was not you, ignore this mail: nothing was changed, and no new account was made."})
}

// noAccountMail answers a reset request for an address that has no
// (active) account.
func noAccountMail(mc MailContext, email string) mail.Message {
	return buildMail(email, accountMail{Site: mc.SiteName, Name: "there", Subject: "Your password reset request at " + mc.SiteName,
		Link: mc.BaseURL + "/register", Action: "Create an account",
		Intro: "Someone asked to reset the password of an account on " + mc.SiteName + " with this e-mail address, but no active account uses it. Perhaps you signed up with another address; or you may create an account:",
		Outro: "If you did not ask, ignore this mail: nothing was changed."})
}

func emailChangeMail(mc MailContext, p Person, newEmail, token string) mail.Message {
	return buildMail(newEmail, accountMail{Site: mc.SiteName, Name: p.DisplayName, Subject: "Confirm your new e-mail address for " + mc.SiteName,
		Link: mc.BaseURL + "/verify?token=" + token, Action: "Confirm my new address",
		Intro: "You asked to use this address for your account. Confirm it, and it replaces " + maskEmail(p.Email) + ".",
		Outro: "The link works for 24 hours. If you did not ask for this, ignore this mail."})
}

// maskEmail shows enough of an address to recognise it: j***@example.com.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return e
	}
	return local[:1] + "***@" + domain
}

// signInLinkMail carries an e-mailed sign-in link to an account's owner.
func signInLinkMail(mc MailContext, p Person, token string) mail.Message {
	return buildMail(p.Email, accountMail{Site: mc.SiteName, Name: p.DisplayName, Subject: "Your sign-in link for " + mc.SiteName,
		Link: mc.BaseURL + "/login/link?token=" + token, Action: "Sign in to " + mc.SiteName,
		Intro: "Someone asked to sign in to " + mc.SiteName + " with this address. If it was you, follow this link:",
		Outro: "The link works once, for 15 minutes. If you did not ask, ignore this mail: nobody is signed in without it."})
}

// newAccountLinkMail answers a sign-in link asked for an address without
// an account: its link makes the account (the same work as for a known
// address, so the answer's time does not tell).
func newAccountLinkMail(mc MailContext, email, token string) mail.Message {
	return buildMail(email, accountMail{Site: mc.SiteName, Name: "there", Subject: "Finish creating your " + mc.SiteName + " account",
		Link: mc.BaseURL + "/login/link?token=" + token, Action: "Create my account",
		Intro: "Someone asked to sign in to " + mc.SiteName + " with this address, which has no account yet. If it was you, follow this link to create one and sign in; you choose the name shown with your comments next:",
		Outro: "The link works once, for 15 minutes. If you did not ask, ignore this mail: no account is made without it."})
}
