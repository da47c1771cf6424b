package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
)

// TestBrowserImport: an admin opens Admin → Import from the navigation; a
// file that is not a WordPress export is refused on the form with the
// reader's line and column; the WordPress export is uploaded, its page's
// bar follows the import to 100% and the page then shows the report; the
// imported article is on the public site with its guests' thread, replies
// nested under what they answer.
func TestBrowserImport(t *testing.T) {
	wxr := bigExport(t, fillerArticles)
	// An HTML page saved as .xml: well-formed, but not an export.
	notWXR := filepath.Join(t.TempDir(), "feed.xml")
	if err := os.WriteFile(notWXR, []byte("<?xml version=\"1.0\"?>\n<html><body>hi</body></html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "i.db"))
	defer stop()
	ctx := newChromium(t, 10*time.Minute) // the import is minutes long under -race
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot

	must("sign in", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(base+"/login?return_to=/admin"), chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "helen.marsh@motorledger.example"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Admin"]`))))
	must("open Import", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav[aria-label="Admin"] a[href="/admin/import"]`)),
		chromedp.WaitVisible(chromedp.CSS("#i-file"))))
	if h := text("h1"); h != "Import" || !strings.HasSuffix(location(), "/admin/import") {
		t.Fatalf("the navigation's Import leads to %q at %s", h, location())
	}

	// The wrong file: refused on the form, with where the reader gave up.
	must("upload the wrong file", chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#i-file"), []string{notWXR}),
		chromedp.Click(chromedp.CSS(`form.upload-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#i-file-error"))))
	if e := text("#i-file-error"); !strings.Contains(e, "not a WordPress export") || !regexp.MustCompile(`line 2, column \d+`).MatchString(e) {
		t.Fatalf("the wrong file's error: %q", e)
	}
	if f := text(".form-error"); !strings.Contains(f, "not imported") {
		t.Fatalf("the form's error: %q", f)
	}
	if n := text("table.dense tbody"); !strings.Contains(n, "No imports yet.") {
		t.Fatalf("a refused file became an import: %q", n)
	}
	shot("import-not-wxr.png")

	// The export: uploaded, its page follows the job.
	must("upload the export", chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#i-file"), []string{wxr}),
		chromedp.Click(chromedp.CSS(`form.upload-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#import-bar"))))
	// (The browser keeps the form's #upload-heading through the redirect.)
	if !regexp.MustCompile(`/admin/import/\d+(#upload-heading)?$`).MatchString(location()) {
		t.Fatalf("after the upload the page is %s", location())
	}
	if f := text(".flash"); !strings.Contains(f, "the import has started") {
		t.Fatalf("after the upload: %q", f)
	}
	shot("import-started.png")
	// The bar's value and the figure beside it, read together, until the
	// page (reloaded by its script when the job ends) shows the report.
	type reading struct {
		Value   float64 `json:"value"`
		Percent string  `json:"percent"`
		Status  string  `json:"status"`
		Report  bool    `json:"report"`
	}
	const read = `(() => {
		if (document.readyState === 'loading') return {value: -1, percent: '', status: '', report: false}; // half parsed
		const bar = document.getElementById('import-bar'), box = document.getElementById('import-progress');
		const pc = box && box.querySelector('[data-k=percent]');
		return {value: bar ? bar.value : -1, percent: pc ? pc.textContent.trim() : '',
			status: box ? box.dataset.status : '', report: !!document.getElementById('import-report')};
	})()`
	var seen []reading
	var last reading
	moving := false
	for deadline := time.Now().Add(8 * time.Minute); ; {
		r, err := chromedp.Run(ctx, chromedp.Evaluate[reading](read))
		// A read during the page's reload fails, finds no bar, or finds
		// the page half parsed (the bar without its figure): read again.
		if err == nil && r.Value >= 0 {
			if len(seen) == 0 || r != seen[len(seen)-1] {
				seen = append(seen, r)
			}
			if r.Value < last.Value {
				t.Fatalf("the bar went back: %+v", seen)
			}
			last = r
			if r.Status == "running" && r.Value > 0 && r.Value < 100 && !moving {
				moving = true // the script moved the bar: the page was not reloaded
				shot("import-progress.png")
			}
			if r.Report {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report (%v); the bar read %+v", err, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the bar read: %+v", seen)
	if !moving {
		t.Fatalf("the bar never moved on the open page: %+v", seen)
	}
	for _, r := range seen {
		if r.Percent != fmt.Sprint(r.Value) {
			t.Fatalf("the bar and its figure differ: %+v", seen)
		}
	}
	if last.Value != 100 || last.Percent != "100" || last.Status != "done" {
		t.Fatalf("the finished import's bar: %+v", last)
	}
	if s := text("dd.status-done"); s != "done" {
		t.Fatalf("the finished import's status: %q", s)
	}
	report := text("#import-report + pre")
	if !strings.Contains(report, "WordPress site https://old.example.com: imported") {
		t.Fatalf("the report: %q", report)
	}
	// site.xml's own seven articles, and the filler.
	if want := fmt.Sprintf("articles %d new", 7+fillerArticles); !strings.Contains(report, want) {
		t.Fatalf("the report lacks %q: %q", want, report)
	}
	shot("import-report.png")
	// The import's list has it, done.
	must("back to Import", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/admin/import"]:not(nav a)`)), chromedp.WaitVisible(chromedp.CSS("#i-file"))))
	if n := text("table.dense tbody"); !strings.Contains(n, "site.xml") || !strings.Contains(n, "done") {
		t.Fatalf("the latest imports: %q", n)
	}

	// The article on the public site: its old WordPress address leads to
	// the new one, made of its date and name, with its guests' thread.
	must("open the old address", chromedp.Do(ctx, chromedp.Navigate(base+"/motoring/road-tests/first-drive/"),
		chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if h, at := text("h1#headline"), location(); h != "First Drive: the Spark" || at != base+"/2024/03/01/first-drive/" {
		t.Fatalf("the old address leads to %q at %s", h, at)
	}
	if h := text("#comments-heading"); !strings.HasPrefix(h, "4 Comments") {
		t.Fatalf("the thread's heading: %q", h)
	}
	list := text(".comment-list")
	for _, want := range []string{"Guest Günther", "Lovely car.", "Hugo", "Reply to Günther.", "Ines", "I agree with you.", "Zoë Ødegård", "Thanks, Ines."} {
		if !strings.Contains(list, want) {
			t.Fatalf("the imported thread lacks %q: %q", want, list)
		}
	}
	for _, not := range []string{"Cheap Pills", "Waiting Wanda", "Binned Bert"} {
		if strings.Contains(list, not) {
			t.Fatalf("the public thread shows %q: %q", not, list)
		}
	}
	// Each reply is inside the comment it answers: Günther ← Hugo ← Ines ← Zoë.
	depth, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`['Guest Günther', 'Reply to Günther.', 'I agree with you.', 'Thanks, Ines.'].map(s => {
		const li = [...document.querySelectorAll('.comment-list li')].filter(li => li.textContent.includes(s)).pop();
		let d = 0;
		for (let e = li; e; e = e.parentElement.closest('.comment-list li')) d++;
		return d;
	})`))
	must("thread depth", err)
	if len(depth) != 4 || depth[0] != 1 || depth[1] != 2 || depth[2] != 3 || depth[3] != 4 {
		t.Fatalf("the replies' depths: %v", depth)
	}
	must("to the thread", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#comments"))))
	shot("import-article-thread.png")
}

// fillerArticles is how many articles bigExport adds: enough that the
// import lasts several of the job's progress writes (one a second), so the
// bar is seen to move while the page is open.
const fillerArticles = 6000

// bigExport is the WordPress test site's export with n more articles (each
// with a guest's comment), written as site.xml in a temporary directory.
func bigExport(t *testing.T, n int) string {
	t.Helper()
	site, err := os.ReadFile("../../internal/wpimport/testdata/site.xml")
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.LastIndex(site, []byte("</channel>"))
	if end < 0 {
		t.Fatal("site.xml has no </channel>")
	}
	var items bytes.Buffer
	for i := range n {
		id := 5000 + i
		fmt.Fprintf(&items, `<item><title><![CDATA[Filler %[1]d]]></title><link>https://old.example.com/filler-%[1]d/</link>
<pubDate>Sat, 02 Mar 2024 09:00:00 +0000</pubDate><dc:creator><![CDATA[ada]]></dc:creator>
<guid isPermaLink="false">https://old.example.com/?p=%[1]d</guid><description></description>
<content:encoded><![CDATA[<p>Filler article %[1]d, a paragraph long enough to be read like the others.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>%[1]d</wp:post_id>
<wp:post_date><![CDATA[2024-03-02 09:00:00]]></wp:post_date><wp:post_date_gmt><![CDATA[2024-03-02 09:00:00]]></wp:post_date_gmt>
<wp:comment_status><![CDATA[open]]></wp:comment_status><wp:post_name><![CDATA[filler-%[1]d]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status><wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>
<wp:post_type><![CDATA[post]]></wp:post_type><wp:post_password><![CDATA[]]></wp:post_password><wp:is_sticky>0</wp:is_sticky>
<wp:comment><wp:comment_id>%[1]d</wp:comment_id><wp:comment_author><![CDATA[Guest %[1]d]]></wp:comment_author>
<wp:comment_author_email><![CDATA[guest%[1]d@example.net]]></wp:comment_author_email><wp:comment_author_url></wp:comment_author_url>
<wp:comment_date><![CDATA[2024-03-03 10:00:00]]></wp:comment_date><wp:comment_date_gmt><![CDATA[2024-03-03 10:00:00]]></wp:comment_date_gmt>
<wp:comment_content><![CDATA[Comment on filler %[1]d.]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved>
<wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>0</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>
</item>
`, id)
	}
	out := append(append(append([]byte{}, site[:end]...), items.Bytes()...), site[end:]...)
	path := filepath.Join(t.TempDir(), "site.xml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
