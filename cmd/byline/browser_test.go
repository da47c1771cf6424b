package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium. Outside CI, BYLINE_TEST_SKIP_BROWSER=1
// skips the browser tests whether or not Chromium is installed; otherwise
// (and always under CI=true) its absence fails the test.
func chromium(t *testing.T) string {
	if os.Getenv("BYLINE_TEST_SKIP_BROWSER") == "1" && os.Getenv("CI") != "true" {
		t.Skip("BYLINE_TEST_SKIP_BROWSER=1")
	}
	for _, p := range []string{os.Getenv("BYLINE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found (apt-get install chromium, or run the README's test command, which installs it)")
	return ""
}

// artifactDir is where screenshots are kept: $BYLINE_ARTIFACTS, or
// artifacts/screenshots at the top of the source tree.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("BYLINE_ARTIFACTS")
	if dir == "" {
		root, err := filepath.Abs("../..")
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "artifacts")
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeArtifact keeps a screenshot with the test's artifacts.
func writeArtifact(t *testing.T, name string, data []byte) error {
	path := filepath.Join(artifactDir(t), name)
	t.Logf("screenshot: %s", path)
	return os.WriteFile(path, data, 0o644)
}

// TestBrowserReaderPath drives Chromium through what a first-time reader
// does: front page, the demo article, the sidebar, a search.
func TestBrowserReaderPath(t *testing.T) {
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "b.db"), "--timezone", "America/New_York")
	defer stop()
	ctx := newChromium(t, 90*time.Second)
	b := tab{t, ctx}
	must, text := b.must, b.text
	shot := func(name string, w, h int64) {
		t.Helper()
		must("viewport", chromedp.Do(ctx, chromedp.EmulateViewport(w, h)))
		b.shot(name)
	}

	// The front page lists the demo article; a reader follows its link.
	must("open home", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("main"))))
	shot("home-desktop.png", 1280, 900)
	link := `main a[href="/2012/04/05/infiniti-to-move-production-out-of-japan/"]`
	must("follow link", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(link)), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	if loc != base+"/2012/04/05/infiniti-to-move-production-out-of-japan/" {
		t.Fatalf("landed on %s", loc)
	}

	// What a reader sees.
	if h := text("h1#headline"); !strings.HasPrefix(h, "Infiniti to Move Production Out of Japan") {
		t.Errorf("headline %q", h)
	}
	if b := text(".story-header .byline"); b != "By Elliot Vance on April 5, 2012" {
		t.Errorf("byline %q", b)
	}
	if body := text(".story-body"); !strings.Contains(body, "Tochigi") || !strings.Contains(body, "Smyrna") || !strings.Contains(body, "[sub]") {
		t.Errorf("body lacks the facts: %.200s", body)
	}
	contributors := text("#widget-contributors + ul")
	for _, want := range []string{"Geneviève Lacroix, Canada", "Elliot Vance, United States", "Marcus Delaney, United States"} {
		if !strings.Contains(contributors, want) {
			t.Errorf("contributors %q lack %q", contributors, want)
		}
	}
	if mods := text("#widget-moderators + ul"); !strings.Contains(mods, "Ruth Okafor, United States") {
		t.Errorf("moderators %q", mods)
	}
	if c := text("#comments-heading"); !strings.HasPrefix(c, "4 Comments on “Infiniti") {
		t.Errorf("comment heading %q", c)
	}
	// The thread nests as on the reference page: 1; 2 under 1; 3 under 2; 4.
	nesting, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll('#comments li.comment')].map(li => { let d = 0, p = li.parentElement; while (p && p.id !== 'comments') { if (p.matches('ol.children')) d++; p = p.parentElement } return d })`))
	must("nesting", err)
	if fmt.Sprint(nesting) != "[0 1 2 0]" {
		t.Errorf("comment nesting %v, want [0 1 2 0]", nesting)
	}
	recent, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#widget-recent + ul li').length`))
	must("recent", err)
	if recent != 5 {
		t.Errorf("Recent Comments shows %d", recent)
	}
	if r := text("#respond"); !strings.Contains(r, "Sign in to post") || !strings.Contains(r, "E-mail me a sign-in link") {
		t.Errorf("reply box %q", r)
	}
	// The page is dark when the system is: the CSS follows prefers-color-scheme.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	must("background", err)
	if bg != "rgb(255, 255, 255)" {
		t.Errorf("light background is %s", bg)
	}
	shot("article-desktop.png", 1280, 900)
	shot("article-phone.png", 390, 844)

	// The dark theme follows the reader's system setting.
	must("emulate dark", chromedp.Do(ctx, colorScheme("dark")))
	bg, err = chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	must("dark background", err)
	if bg != "rgb(20, 20, 19)" {
		t.Errorf("dark background is %s", bg)
	}
	shot("article-desktop-dark.png", 1280, 900)
	shot("article-phone-dark.png", 390, 844)
	must("emulate light", chromedp.Do(ctx, colorScheme("light")))
	// At phone width the sidebar moves below the article instead of squeezing it.
	narrow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('.story-body').getBoundingClientRect().width > 300`))
	must("layout", err)
	if !narrow {
		t.Error("article column is squeezed at phone width")
	}

	// Search from the masthead finds the article, with the words marked.
	must("search", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900),
		chromedp.SendKeys(chromedp.CSS("#site-search"), "Tochigi Fukuoka"),
		chromedp.Submit(chromedp.CSS("#site-search")),
		chromedp.WaitVisible(chromedp.CSS(".results"))))
	if r := text(".results"); !strings.Contains(r, "Infiniti to Move Production") || !strings.Contains(r, "Tochigi") {
		t.Errorf("search results %q", r)
	}
	marks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.results mark').length`))
	must("marks", err)
	if marks == 0 {
		t.Error("search snippet has no highlighted words")
	}
	shot("search-desktop.png", 1280, 900)
}

// colorScheme makes the page see the system's light or dark setting.
func colorScheme(value string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}}})
		return chromedp.Void{}, err
	}
}
