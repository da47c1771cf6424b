package db_test

import (
	"regexp"
	"strings"
	"testing"

	"byline/internal/db"
)

// releasedThrough is the last migration of the previous release: nodes of
// that release may still be running on a PostgreSQL database that this
// version has migrated (a rolling upgrade, see README), so every later
// migration only adds. What one would remove or rename waits a release.
const releasedThrough = 23

// notAdditive are the statements an old node could trip on.
var (
	removes = regexp.MustCompile(`(?i)\b(DROP\s+(TABLE|COLUMN|INDEX|TRIGGER|FUNCTION|VIEW)|RENAME|ALTER\s+COLUMN\s+\S+\s+(TYPE|SET\s+NOT\s+NULL)|TRUNCATE|DELETE\s+FROM)\b`)
	// A column an old node does not know must take a default, or its
	// inserts fail.
	addColumn = regexp.MustCompile(`(?i)\bADD\s+COLUMN\b[^,;]*`)
)

// notAdditive returns the first part of sql an old node could trip on.
func notAdditive(sql string) string {
	if bad := removes.FindString(sql); bad != "" {
		return bad
	}
	for _, c := range addColumn.FindAllString(sql, -1) {
		u := strings.ToUpper(c)
		if strings.Contains(u, "NOT NULL") && !strings.Contains(u, "DEFAULT") {
			return c
		}
	}
	return ""
}

func TestMigrationsSinceTheReleaseOnlyAdd(t *testing.T) {
	ms, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, m := range ms {
		if m.Version <= releasedThrough {
			continue
		}
		checked++
		if bad := notAdditive(m.SQL); bad != "" {
			t.Errorf("migration %04d_%s does %q: a node of the previous release may still run on the database it migrates; make it only add, and remove in the next release", m.Version, m.Name, bad)
		}
	}
	if checked == 0 {
		t.Log("no migration since the previous release")
	}
	// The check itself catches what it is for.
	for _, sql := range []string{"ALTER TABLE a DROP COLUMN b;", "ALTER TABLE a RENAME TO b;", "DROP TABLE x;", "ALTER TABLE a ALTER COLUMN b TYPE TEXT;", "ALTER TABLE a ADD COLUMN b TEXT NOT NULL;"} {
		if notAdditive(sql) == "" {
			t.Errorf("the check lets %q through", sql)
		}
	}
	for _, sql := range []string{"ALTER TABLE a ADD COLUMN b TEXT NOT NULL DEFAULT '';", "CREATE TABLE b (id BIGINT PRIMARY KEY);", "CREATE INDEX i ON b (id);"} {
		if bad := notAdditive(sql); bad != "" {
			t.Errorf("the check refuses %q (%q)", sql, bad)
		}
	}
}
