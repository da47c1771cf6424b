// Command byline runs a Byline site and manages its content.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, env *environment, args []string) error
}

// environment is what a subcommand may use of the process, so tests can
// run commands in-process.
type environment struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"serve", "[flags]", "run the web site (migrates the database first)", runServe},
		{"migrate", "[flags]", "apply database migrations and exit", runMigrate},
		{"demo", "[flags]", "load the demo site into an empty database", runDemo},
		{"user add", "--email E --name N [--roles r1,r2] [--country C] [flags]", "add a person", runUserAdd},
		{"article add", "[flags] FILE.md...", "add articles from Markdown files with front matter", runArticleAdd},
		{"lead adf", "[flags] ID", "print a quote request's ADF XML, one document per dealer", runLeadADF},
		{"import wordpress", "[--dry-run] [--zone Area/City] [flags] FILE.xml", "import a WordPress site from its export file (people, categories, tags, articles, pages, comments, old addresses)", runImportWordPress},
		{"import disqus", "[--dry-run] [flags] FILE.xml", "import Disqus comments from its export, matching threads to articles by their address or an old one", runImportDisqus},
		{"export wordpress", "[flags] [FILE]", "write the whole site as a WordPress export (WXR 1.2), with e-mail addresses", runExportWordPress},
		{"backup", "[flags] [FILE]", "write a backup of the running site (rows and media files) to one file", runBackup},
		{"restore", "[--force] [flags] FILE", "put a backup onto an empty database, SQLite or PostgreSQL", runRestore},
		{"copy", "--to DATABASE [flags]", "copy the whole site to another database (SQLite to PostgreSQL, or back), resumable", runCopy},
		{"newsletter send", "--campaign N | --digest daily|weekly [flags]", "send a newsletter now, with a progress bar", runNewsletterSend},
		{"help", "", "show this help", nil},
	}
}

// usageError is a mistake in how a command was called: usage, exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &environment{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code: 0 done, 1 an
// error (one line on stderr), 2 a usage mistake.
func run(ctx context.Context, env *environment, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(env.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if c.run == nil || len(args) < len(words) || strings.Join(args[:len(words)], " ") != c.name {
			continue
		}
		err := c.run(ctx, env, args[len(words):])
		var ue usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(env.stderr, "byline %s: %s\nusage: byline %s %s\n", c.name, ue.msg, c.name, c.args)
			return 2
		default:
			fmt.Fprintf(env.stderr, "byline %s: %s\n", c.name, oneLine(err))
			return 1
		}
	}
	fmt.Fprintf(env.stderr, "byline: unknown command %q\n\n", strings.Join(args, " "))
	usage(env.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Byline: a publishing platform for news magazines.")
	fmt.Fprintln(w, "\nUsage: byline COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'byline COMMAND -h' for a command's flags. Every flag can also be set in the")
	fmt.Fprintln(w, "environment: --database is BYLINE_DATABASE, --addr is BYLINE_ADDR, and so on.")
}

// flags makes a FlagSet whose errors come back as usage errors.
func flags(env *environment, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("byline "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

// parse parses args, turning a bad flag into a usageError (the flag
// package has already printed the flags).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
