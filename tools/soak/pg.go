package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// freshDatabase makes an empty database on the PostgreSQL server at admin
// (a URL to its maintenance database) and returns its URL and a function
// that drops it.
func freshDatabase(ctx context.Context, admin, name string) (string, func() error, error) {
	d, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	if _, err := d.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		d.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop := func() error {
		defer d.Close()
		_, err := d.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	i := strings.LastIndexByte(admin, '/')
	rest := ""
	if q := strings.IndexByte(admin[i:], '?'); q >= 0 {
		rest = admin[i+q:]
	}
	return admin[:i+1] + name + rest, drop, nil
}

// cluster is a PostgreSQL server of the soak's own, in a temporary folder
// on its own port, which it may stop and start without touching any other.
type cluster struct {
	dir  string
	port int
	bin  string
}

// asPostgres runs a PostgreSQL program as the postgres user when running
// as root (the server refuses to run as root).
func asPostgres(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func newCluster(work string, port int) (*cluster, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return nil, fmt.Errorf("no initdb under /usr/lib/postgresql/*/bin")
	}
	c := &cluster{dir: filepath.Join(work, "pg"), port: port, bin: filepath.Dir(bins[len(bins)-1])}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// The server's user must own its folder, and reach it.
		if err := exec.Command("chown", "-R", "postgres:postgres", c.dir).Run(); err != nil {
			return nil, fmt.Errorf("chown %s: %w", c.dir, err)
		}
		if err := os.Chmod(work, 0o755); err != nil {
			return nil, err
		}
	}
	out, err := asPostgres(filepath.Join(c.bin, "initdb"), "-D", filepath.Join(c.dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return c, c.start()
}

func (c *cluster) start() error {
	opts := "-p " + strconv.Itoa(c.port) + " -k " + c.dir + " -c listen_addresses=127.0.0.1 -c fsync=on"
	out, err := asPostgres(filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.dir, "data"), "-o", opts,
		"-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s", err, out)
	}
	return nil
}

// stop shuts the server down the fast way: open connections are ended, as
// when a database server is restarted under a running site.
func (c *cluster) stop() error {
	out, err := asPostgres(filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "-t", "60", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}
