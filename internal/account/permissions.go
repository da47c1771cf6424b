package account

// Permission is something a person may do. Every check in the site goes
// through Can, and Can reads the one table below.
type Permission string

const (
	PermComment         Permission = "comment"           // post comments (once verified)
	PermAccessAdmin     Permission = "access_admin"      // see the admin area at all
	PermWriteArticles   Permission = "write_articles"    // write drafts, submit for review
	PermPublishOwn      Permission = "publish_own"       // publish or schedule one's own articles
	PermPublish         Permission = "publish"           // publish or schedule anyone's articles
	PermEditOthers      Permission = "edit_others"       // edit other people's articles
	PermModerate        Permission = "moderate_comments" // approve, hide, delete comments
	PermManagePeople    Permission = "manage_people"     // change roles, suspend, delete people
	PermManageSettings  Permission = "manage_settings"   // site and mail settings
	PermSendNewsletters Permission = "send_newsletters"  // compose and send newsletters
	PermSeeLeads        Permission = "see_leads"         // dealer-quote requests and dealers
	PermViewMail        Permission = "view_mail"         // the mail outbox
)

// AllPermissions lists every permission, for tests and the API.
var AllPermissions = []Permission{PermComment, PermAccessAdmin, PermWriteArticles, PermPublishOwn, PermPublish, PermEditOthers,
	PermModerate, PermManagePeople, PermManageSettings, PermSendNewsletters, PermSeeLeads, PermViewMail}

// permissions is the whole policy: what each role may do. A person's
// permissions are the union over their roles.
var permissions = map[Role][]Permission{
	RoleAdmin: {PermComment, PermAccessAdmin, PermWriteArticles, PermPublishOwn, PermPublish, PermEditOthers,
		PermModerate, PermManagePeople, PermManageSettings, PermSendNewsletters, PermSeeLeads, PermViewMail},
	RoleEditor: {PermComment, PermAccessAdmin, PermWriteArticles, PermPublishOwn, PermPublish, PermEditOthers,
		PermModerate, PermSendNewsletters},
	RoleAuthor:      {PermComment, PermAccessAdmin, PermWriteArticles, PermPublishOwn},
	RoleContributor: {PermComment, PermAccessAdmin, PermWriteArticles},
	RoleModerator:   {PermComment, PermAccessAdmin, PermModerate},
	RoleReader:      {PermComment},
}

// RoleCan reports whether role r grants p.
func RoleCan(r Role, p Permission) bool {
	for _, x := range permissions[r] {
		if x == p {
			return true
		}
	}
	return false
}

// TrustedCommenter reports whether p's comments skip the hold rules:
// staff who moderate or publish. The site's forms and the API both ask it.
func (p Person) TrustedCommenter() bool {
	return p.Can(PermModerate) || p.Can(PermPublish)
}

// Can reports whether the person may do p. Suspended and deleted people may
// do nothing; commenting also needs a verified e-mail address.
func (p Person) Can(perm Permission) bool {
	if p.ID == 0 || p.Suspended() || p.Deleted() {
		return false
	}
	if perm == PermComment && !p.Verified() {
		return false
	}
	for _, r := range p.Roles {
		if RoleCan(r, perm) {
			return true
		}
	}
	return false
}
