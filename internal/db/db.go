// Package db opens the site's database (an embedded SQLite file or a
// PostgreSQL server), applies the embedded migrations, and hands domain
// packages a small query surface that works the same on both engines.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Querier is what both a DB and a Tx offer; store code that runs inside or
// outside a transaction takes a Querier.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database. On SQLite it holds one writer connection and a
// pool of read-only connections on the same file (WAL lets them run side by
// side); on PostgreSQL both are the same pool.
type DB struct {
	Engine Engine
	read   *sql.DB
	write  *sql.DB
	where  string // for error messages: the file or host, never a password

	queries atomic.Int64
	trace   atomic.Pointer[func(query string)]

	// Prepared statements on SQLite, whose driver would otherwise parse
	// every query anew (pgx caches them itself): reads on the reader pool,
	// writes on the one writer connection, where transactions reuse them.
	readStmts, writeStmts stmtCache
}

// stmtCache maps query text to a statement prepared on one pool.
type stmtCache struct {
	m sync.Map // query text -> *sql.Stmt
	n atomic.Int32
}

// maxStmts bounds the statement cache; queries past it run unprepared.
const maxStmts = 256

// Open connects to dsn: a postgres:// (or postgresql://) URL, or else a path
// to an SQLite file (created when missing). It checks the connection, so a
// database that cannot be reached is reported here in one line.
func Open(ctx context.Context, dsn string) (*DB, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, errors.New("no database given")
	}
	var d *DB
	var err error
	if IsPostgresURL(dsn) {
		d, err = openPostgres(dsn)
	} else {
		d, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.write.PingContext(pctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("cannot reach database %s: %s", d.where, oneLine(err))
	}
	return d, nil
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(dsn string) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("malformed PostgreSQL URL: %s", oneLine(err))
	}
	if u.Query().Get("connect_timeout") == "" {
		q := u.Query()
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
	}
	pool, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL: %s", oneLine(err))
	}
	// As many kept idle as may be open: a connection closed on release
	// costs PostgreSQL a new backend (a fork, a cold catalog cache, every
	// statement prepared again) when the next burst opens it again.
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Engine: Postgres, read: pool, write: pool, where: "postgres://" + u.Host + u.Path}, nil
}

func openSQLite(path string) (*DB, error) {
	path = strings.TrimPrefix(path, "sqlite:")
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return nil, errors.New("empty SQLite path")
	}
	// Times are written in one UTC format so that they compare correctly as
	// text; _txlock=immediate makes write transactions take the lock up front
	// instead of failing half-way with SQLITE_BUSY.
	common := "_time_format=sqlite&_timezone=UTC&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %s", path, oneLine(err))
	}
	w.SetMaxOpenConns(1) // SQLite has one writer at a time; queue in Go, not in busy loops
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	// Make sure the file exists and is in WAL mode before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot open SQLite database %s: %s", path, oneLine(err))
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open SQLite %s: %s", path, oneLine(err))
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	return &DB{Engine: SQLite, read: r, write: w, where: path}, nil
}

// Close closes every connection.
func (d *DB) Close() error {
	for _, c := range []*stmtCache{&d.readStmts, &d.writeStmts} {
		c.m.Range(func(_, st any) bool {
			st.(*sql.Stmt).Close()
			return true
		})
	}
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Ping checks that the database answers (for readiness probes).
func (d *DB) Ping(ctx context.Context) error {
	return d.read.PingContext(ctx)
}

// Stats returns the pools' statistics, keyed "read" and "write" (the same
// pool twice on PostgreSQL is reported once, as "write").
func (d *DB) Stats() map[string]sql.DBStats {
	m := map[string]sql.DBStats{"write": d.write.Stats()}
	if d.read != d.write {
		m["read"] = d.read.Stats()
	}
	return m
}

// QueryCount is how many statements this DB has run, for benchmarks that
// report queries per request.
func (d *DB) QueryCount() int64 { return d.queries.Load() }

// Trace hands every statement run from now on to fn (nil stops), for tests
// that check what a page reads.
func (d *DB) Trace(fn func(query string)) {
	if fn == nil {
		d.trace.Store(nil)
		return
	}
	d.trace.Store(&fn)
}

// ran counts a statement, and traces it when asked to.
func (d *DB) ran(query string) {
	d.queries.Add(1)
	if fn := d.trace.Load(); fn != nil {
		(*fn)(query)
	}
}

// Exec runs a statement that writes.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.ran(query)
	if st := d.stmt(ctx, &d.writeStmts, d.write, query); st != nil {
		return st.ExecContext(ctx, normArgs(args)...)
	}
	return d.write.ExecContext(ctx, query, normArgs(args)...)
}

// Query runs a read-only query on the reader pool.
//
// A LIMIT is written into the text, not bound, in every statement that
// runs on SQLite: SQLite compiles a statement again each time a parameter
// used as a LIMIT is bound (parameters from $32 on share one mark, so in a
// long statement any of them does it). An OFFSET may be bound.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	d.ran(query)
	if st := d.stmt(ctx, &d.readStmts, d.read, query); st != nil {
		return st.QueryContext(ctx, normArgs(args)...)
	}
	return d.read.QueryContext(ctx, query, normArgs(args)...)
}

// QueryRow runs a read-only single-row query on the reader pool.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	d.ran(query)
	if st := d.stmt(ctx, &d.readStmts, d.read, query); st != nil {
		return st.QueryRowContext(ctx, normArgs(args)...)
	}
	return d.read.QueryRowContext(ctx, query, normArgs(args)...)
}

// stmt returns a cached prepared statement for query on SQLite, or nil
// (PostgreSQL, a full cache, or a statement that fails to prepare, whose
// error the unprepared path then reports).
func (d *DB) stmt(ctx context.Context, c *stmtCache, pool *sql.DB, query string) *sql.Stmt {
	if d.Engine != SQLite {
		return nil
	}
	if st, ok := c.m.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if c.n.Load() >= maxStmts || !cacheable(query) {
		return nil
	}
	st, err := pool.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// PreparedStatements says how many statements are cached for reading and
// for writing.
func (d *DB) PreparedStatements() (read, write int) {
	return int(d.readStmts.n.Load()), int(d.writeStmts.n.Load())
}

// cacheable reports whether query is one statement that reads or changes
// rows: schema changes and scripts are run once and not worth a slot.
func cacheable(query string) bool {
	q := strings.TrimSpace(query)
	if i := strings.IndexByte(q, ';'); i >= 0 && i < len(q)-1 {
		return false
	}
	verb := q
	if i := strings.IndexFunc(q, unicode.IsSpace); i > 0 {
		verb = q[:i]
	}
	switch strings.ToUpper(verb) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
}

// Tx runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise. Writes that need RETURNING go through here.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	t, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", MapError(d.Engine, err))
	}
	tx := &Tx{tx: t, db: d}
	if err := fn(tx); err != nil {
		_ = t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", MapError(d.Engine, err))
	}
	for _, q := range tx.unprepared {
		d.stmt(ctx, &d.writeStmts, d.write, q)
	}
	return nil
}

// Tx is a write transaction.
type Tx struct {
	tx         *sql.Tx
	db         *DB
	unprepared []string             // statements to prepare for next time, after the commit
	local      map[string]*sql.Stmt // prepared on this transaction, for the statements it repeats
}

// Engine reports the engine the transaction runs on.
func (t *Tx) Engine() Engine { return t.db.Engine }

// stmt is the writer's cached statement for query, bound to this
// transaction (on SQLite's one writer connection, without preparing again).
// One not yet cached cannot be put in the cache now: the transaction holds
// the only writer connection. It runs unprepared and is prepared after the
// commit; run again in the same transaction (a bulk load's rows), it is
// prepared on the transaction for the rest of it, not parsed per row.
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.db.Engine != SQLite {
		return nil
	}
	if st, ok := t.db.writeStmts.m.Load(query); ok {
		return t.tx.StmtContext(ctx, st.(*sql.Stmt))
	}
	if st, ok := t.local[query]; ok {
		return st
	}
	if !cacheable(query) {
		return nil
	}
	for _, q := range t.unprepared {
		if q == query { // the second time
			st, err := t.tx.PrepareContext(ctx, query)
			if err != nil {
				return nil // the unprepared path reports the error
			}
			if t.local == nil {
				t.local = map[string]*sql.Stmt{}
			}
			t.local[query] = st
			return st
		}
	}
	t.unprepared = append(t.unprepared, query)
	return nil
}

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.db.ran(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, normArgs(args)...)
	}
	return t.tx.ExecContext(ctx, query, normArgs(args)...)
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.db.ran(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, normArgs(args)...)
	}
	return t.tx.QueryContext(ctx, query, normArgs(args)...)
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	t.db.ran(query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, normArgs(args)...)
	}
	return t.tx.QueryRowContext(ctx, query, normArgs(args)...)
}

// normArgs stores every time in UTC at microsecond precision (what
// PostgreSQL keeps), so the two engines order and compare times alike.
func normArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Truncate(time.Microsecond)
		case *time.Time:
			if v != nil {
				args[i] = v.UTC().Truncate(time.Microsecond)
			}
		}
	}
	return args
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// Where names the database for people: the SQLite file, or the
// PostgreSQL host and database (never a password).
func (d *DB) Where() string { return d.where }

// Pools returns the connection pools by name, for metrics.
func (d *DB) Pools() map[string]*sql.DB {
	if d.read == d.write {
		return map[string]*sql.DB{"byline": d.write}
	}
	return map[string]*sql.DB{"byline_read": d.read, "byline_write": d.write}
}

// Prepare makes a statement to run many times in the transaction (bulk
// loads); the caller closes it.
func (t *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, query)
}
