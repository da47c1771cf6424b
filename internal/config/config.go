// Package config reads Byline's settings from flags and BYLINE_* environment
// variables (a flag wins over the environment) into one struct that is
// passed to whoever needs it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata"

	"byline/internal/mail" // time zones work on machines without a zoneinfo database
)

// Config is every setting.
type Config struct {
	Database   string // SQLite file path or postgres:// URL
	Addr       string // listen address
	BaseURL    string // public address of the site, for links in feeds and mail
	TimeZone   string // the site's time zone (IANA name), for dates and permalinks
	SiteName   string
	Tagline    string
	Demo       bool // load the demo site into an empty database at start
	LogLevel   string
	LogJSON    bool
	SMTP       string // smtp://user:pass@host:port?tls=starttls&from=addr; overrides the settings screen
	CacheMB    int    // memory for the page cache; 0 turns it off
	MediaDir   string // where uploaded images are kept, with MediaStore "folder"
	MediaStore string // folder or database
	// TrustedProxies lists the addresses or networks (CIDR) of reverse
	// proxies in front of the site, comma-separated.
	TrustedProxies string

	Proxies []netip.Prefix // TrustedProxies, parsed

	Location *time.Location // TimeZone, loaded
}

// Defaults are used when neither a flag nor the environment says otherwise.
var Defaults = Config{
	Database: "byline.db",
	Addr:     "127.0.0.1:8080",
	TimeZone: "UTC",
	SiteName: "Byline",
	Tagline:  "News, reviews and the people who read them",
	LogLevel: "info",
}

// Env reads a variable; tests pass their own.
type Env func(string) string

// BindDatabase registers --database on fs, defaulting from BYLINE_DATABASE.
func (c *Config) BindDatabase(fs *flag.FlagSet, env Env) {
	fs.StringVar(&c.Database, "database", envOr(env, "BYLINE_DATABASE", Defaults.Database),
		"SQLite file path, or a postgres:// URL (env BYLINE_DATABASE)")
	fs.StringVar(&c.TimeZone, "timezone", envOr(env, "BYLINE_TIMEZONE", Defaults.TimeZone),
		"the site's time zone, e.g. America/New_York (env BYLINE_TIMEZONE)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(env, "BYLINE_LOG_LEVEL", Defaults.LogLevel),
		"debug, info, warn or error (env BYLINE_LOG_LEVEL)")
}

// BindMedia registers where the media library's files are kept, for the
// server and for the commands that read or write them.
func (c *Config) BindMedia(fs *flag.FlagSet, env Env) {
	fs.StringVar(&c.MediaStore, "media-store", envOr(env, "BYLINE_MEDIA_STORE", ""),
		"where uploaded images are kept: folder or database (env BYLINE_MEDIA_STORE; default: folder with SQLite, database with PostgreSQL, which every node shares)")
	fs.StringVar(&c.MediaDir, "media-dir", envOr(env, "BYLINE_MEDIA_DIR", ""),
		"the folder for uploaded images with --media-store folder (env BYLINE_MEDIA_DIR; default: media/ beside the SQLite file)")
}

// BindServe registers the web server's flags on fs.
func (c *Config) BindServe(fs *flag.FlagSet, env Env) {
	fs.StringVar(&c.Addr, "addr", envOr(env, "BYLINE_ADDR", Defaults.Addr), "listen address (env BYLINE_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", envOr(env, "BYLINE_BASE_URL", ""),
		"public URL of the site, e.g. https://news.example.com (env BYLINE_BASE_URL; default http://ADDR)")
	fs.StringVar(&c.SiteName, "site-name", envOr(env, "BYLINE_SITE_NAME", Defaults.SiteName), "the site's name (env BYLINE_SITE_NAME)")
	fs.StringVar(&c.Tagline, "tagline", envOr(env, "BYLINE_TAGLINE", Defaults.Tagline), "the site's tagline (env BYLINE_TAGLINE)")
	fs.BoolVar(&c.Demo, "demo", envBool(env, "BYLINE_DEMO"), "load the demo site when the database is empty (env BYLINE_DEMO)")
	fs.StringVar(&c.SMTP, "smtp", envOr(env, "BYLINE_SMTP", ""),
		"outgoing mail server, smtp://user:password@host:587?tls=starttls&from=news@example.com (env BYLINE_SMTP; default: the admin's Settings screen)")
	c.BindMedia(fs, env)
	fs.IntVar(&c.CacheMB, "cache-mb", envInt(env, "BYLINE_CACHE_MB", 128), "memory for cached pages in MB, 0 turns the cache off (env BYLINE_CACHE_MB)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", envOr(env, "BYLINE_TRUSTED_PROXIES", ""),
		"reverse proxies whose X-Forwarded-For names the reader, e.g. 127.0.0.1,10.0.0.0/8 (env BYLINE_TRUSTED_PROXIES)")
	fs.BoolVar(&c.LogJSON, "log-json", envBool(env, "BYLINE_LOG_JSON"), "write logs as JSON (env BYLINE_LOG_JSON)")
}

// Validate checks the settings and fills in derived ones.
func (c *Config) Validate() error {
	var errs []string
	if strings.TrimSpace(c.Database) == "" {
		errs = append(errs, "--database must not be empty")
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		errs = append(errs, fmt.Sprintf("--timezone %q is not a known time zone", c.TimeZone))
	}
	c.Location = loc
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Sprintf("--log-level %q: use debug, info, warn or error", c.LogLevel))
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Sprintf("--addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr))
		} else if c.BaseURL == "" {
			host := c.Addr
			if strings.HasPrefix(host, ":") {
				host = "127.0.0.1" + host
			}
			c.BaseURL = "http://" + host
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("--base-url %q: want an absolute http(s) URL", c.BaseURL))
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	pg := strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
	switch c.MediaStore {
	case "":
		c.MediaStore = "folder"
		if pg {
			c.MediaStore = "database"
		}
	case "folder", "database":
	default:
		errs = append(errs, fmt.Sprintf("--media-store %q: use folder or database", c.MediaStore))
	}
	if c.MediaDir == "" {
		c.MediaDir = "media"
		if !pg {
			c.MediaDir = filepath.Join(filepath.Dir(c.Database), "media")
		}
	}
	if c.CacheMB < 0 || c.CacheMB > 64<<10 {
		errs = append(errs, "--cache-mb must be from 0 to 65536")
	}
	if c.SMTP != "" {
		if _, err := mail.ParseURL(c.SMTP); err != nil {
			errs = append(errs, "--smtp: "+err.Error())
		}
	}
	c.Proxies = nil
	for _, x := range strings.Split(c.TrustedProxies, ",") {
		if x = strings.TrimSpace(x); x == "" {
			continue
		}
		p, err := netip.ParsePrefix(x)
		if err != nil {
			a, aerr := netip.ParseAddr(x)
			if aerr != nil {
				errs = append(errs, fmt.Sprintf("--trusted-proxies: %q is neither an address nor a network like 10.0.0.0/8", x))
				continue
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		c.Proxies = append(c.Proxies, p.Masked())
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// SlogLevel is LogLevel as a slog.Level (valid after Validate).
func (c *Config) SlogLevel() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	return lvl
}

func envOr(env Env, key, def string) string {
	if v := env(key); v != "" {
		return v
	}
	return def
}

func envInt(env Env, key string, def int) int {
	if v := env(key); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func envBool(env Env, key string) bool {
	switch strings.ToLower(env(key)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
