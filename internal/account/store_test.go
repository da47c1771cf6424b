package account

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestPeople(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		ada, err := s.Create(ctx, NewPerson{Email: " Ada@Example.com ", DisplayName: "  Ada   Lovelace ", Country: "united kingdom",
			Roles: []Role{RoleContributor, RoleModerator, RoleContributor}})
		if err != nil {
			t.Fatal(err)
		}
		if ada.Email != "ada@example.com" || ada.DisplayName != "Ada Lovelace" || ada.Slug != "ada-lovelace" || ada.Country != "GB" || len(ada.Roles) != 2 {
			t.Fatalf("created %+v", ada)
		}
		// Same name, different person: the slug gets a number.
		ada2, err := s.Create(ctx, NewPerson{Email: "ada2@example.com", DisplayName: "Ada Lovelace"})
		if err != nil || ada2.Slug != "ada-lovelace-2" || !ada2.Has(RoleReader) {
			t.Fatalf("second Ada: %+v, %v", ada2, err)
		}
		// A taken e-mail is a field error, whatever its case.
		_, err = s.Create(ctx, NewPerson{Email: "ADA@example.com", DisplayName: "Someone"})
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["email"] == "" {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		// Bad input names every field at fault.
		_, err = s.Create(ctx, NewPerson{Email: "nope", DisplayName: "", Country: "Atlantis", AvatarURL: "javascript:x"})
		inv, ok := apperr.AsInvalid(err)
		if !ok || inv.Fields["email"] == "" || inv.Fields["display_name"] == "" || inv.Fields["country"] == "" || inv.Fields["avatar_url"] == "" {
			t.Fatalf("bad person: %v", err)
		}
		for _, key := range []string{"ada-lovelace", "ada@example.com", "ADA@EXAMPLE.COM", "Ada Lovelace"} {
			p, err := s.Find(ctx, key)
			if err != nil || p.ID != ada.ID {
				t.Errorf("Find(%q) = %d, %v", key, p.ID, err)
			}
		}
		if _, err := s.Find(ctx, "nobody"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("Find(nobody): %v", err)
		}
		got, err := s.ByID(ctx, ada.ID)
		if err != nil || got.Roles[0] != RoleContributor || got.Roles[1] != RoleModerator || got.CountryName() != "United Kingdom" {
			t.Fatalf("ByID: %+v, %v", got, err)
		}
		staff, err := s.Staff(ctx, RoleContributor, RoleModerator)
		if err != nil || len(staff[RoleContributor]) != 1 || len(staff[RoleModerator]) != 1 {
			t.Fatalf("staff: %v, %v", staff, err)
		}
		mods, err := s.List(ctx, ListQuery{Role: RoleModerator})
		if err != nil || len(mods) != 1 || mods[0].ID != ada.ID {
			t.Fatalf("moderators: %+v, %v", mods, err)
		}
		page, err := s.List(ctx, ListQuery{After: ada.ID, Limit: 10})
		if err != nil || len(page) != 1 || page[0].ID != ada2.ID {
			t.Fatalf("after: %+v, %v", page, err)
		}
		if ada.Initials() != "AL" {
			t.Fatalf("initials %q", ada.Initials())
		}
	})
}

// Who skips the comment hold rules is decided once, here: staff who
// moderate or publish. (The JSON API used to trust moderators only.)
func TestTrustedCommenter(t *testing.T) {
	now := time.Now()
	for role, want := range map[Role]bool{RoleReader: false, RoleContributor: false, RoleAuthor: false, RoleModerator: true, RoleEditor: true, RoleAdmin: true} {
		p := Person{ID: 1, Roles: []Role{role}, VerifiedAt: now}
		if got := p.TrustedCommenter(); got != want {
			t.Errorf("%s: trusted %v, want %v", role, got, want)
		}
	}
	if (Person{ID: 1, Roles: []Role{RoleEditor}, VerifiedAt: now, SuspendedAt: now}).TrustedCommenter() {
		t.Error("a suspended editor is trusted")
	}
}

// An admin cannot lock themselves out from the People screen (or any
// other caller acting as them); another admin can do each step.
func TestAdminSelfProtection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		var admins []Person
		for _, e := range []string{"one@example.com", "two@example.com"} {
			p, err := s.Create(ctx, NewPerson{Email: e, DisplayName: e, Roles: []Role{RoleAdmin}, Verified: true})
			if err != nil {
				t.Fatal(err)
			}
			admins = append(admins, p)
		}
		me, other := admins[0].ID, admins[1].ID
		if _, ok := apperr.AsInvalid(s.SetRolesAs(ctx, me, me, []Role{RoleEditor})); !ok {
			t.Error("an admin removed their own admin role")
		}
		if _, ok := apperr.AsInvalid(s.SuspendAs(ctx, me, me, true)); !ok {
			t.Error("an admin suspended themselves")
		}
		if _, ok := apperr.AsInvalid(s.DeleteAs(ctx, me, me)); !ok {
			t.Error("an admin deleted themselves")
		}
		if p, err := s.ByID(ctx, me); err != nil || !p.Has(RoleAdmin) || p.Suspended() || p.Deleted() {
			t.Fatalf("the refused steps changed the account: %+v %v", p, err)
		}
		if err := s.SetRolesAs(ctx, me, me, []Role{RoleAdmin, RoleEditor}); err != nil {
			t.Errorf("an admin may add roles to themselves: %v", err)
		}
		if err := s.SetRolesAs(ctx, other, me, []Role{RoleEditor}); err != nil {
			t.Errorf("another admin may change the roles: %v", err)
		}
		if err := s.SuspendAs(ctx, other, me, true); err != nil {
			t.Errorf("another admin may suspend: %v", err)
		}
	})
}
