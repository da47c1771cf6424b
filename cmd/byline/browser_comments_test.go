package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
)

// TestBrowserComments: a reader signs in, comments, replies three deep in
// place, votes, and sees the count and Recent Comments change; a script in
// a comment never runs; a moderator trashes a comment.
func TestBrowserComments(t *testing.T) {
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "c.db"))
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, shot := b.must, b.text, b.shot
	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		must(js, err)
		return n
	}
	waitFor := b.waitFor
	flash := func(words string) string {
		return `!!document.querySelector('.flash') && document.querySelector('.flash').textContent.includes(` + "`" + words + "`" + `)`
	}
	article := base + "/2012/04/05/infiniti-to-move-production-out-of-japan/"
	signIn := func(email string) {
		t.Helper()
		must("sign in "+email, chromedp.Do(ctx, chromedp.Navigate(base+"/login?return_to=/2012/04/05/infiniti-to-move-production-out-of-japan/"),
			chromedp.WaitVisible(chromedp.CSS("#login-email")),
			chromedp.SendKeys(chromedp.CSS("#login-email"), email),
			chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	}
	must("viewport", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	signIn("jordan.pike@example.com")

	// The comment box: toolbar, live count, preview in place.
	must("toolbar", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#comment-body"), "Worth a "),
		chromedp.Click(chromedp.CSS(`.md-toolbar button[aria-label="Bold"]`))))
	if v := eval(`document.getElementById('comment-body').value === 'Worth a ****' ? 1 : 0`); v != 1 {
		t.Fatal("the Bold button did not wrap the cursor in **")
	}
	waitFor("the counter", `document.querySelector('[data-counter-for="comment-body"]').textContent.startsWith('12 / 10,000')`)
	eval(`(document.getElementById('comment-body').value = 'Worth a **look**', 1)`)
	must("preview", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#comment-form button[data-preview]`))))
	waitFor("the preview", `!!document.querySelector('.comment-preview strong') && document.querySelector('.comment-preview strong').textContent === 'look'`)
	shot("comment-box-preview.png")
	// A refused comment comes back with the message by the box, in view.
	eval(`(document.getElementById('comment-body').value = '<script>x</script>', 1)`)
	must("empty comment", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#comment-form button[type=submit]:not([data-preview])`))))
	waitFor("the message by the box", `!!document.querySelector('#comment-body-error') && location.hash === '#comment-form'`)
	if v := eval(`(() => { const r = document.getElementById('comment-body').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight ? 1 : 0 })()`); v != 1 {
		t.Fatal("after a refused comment the box is out of view")
	}
	eval(`(document.getElementById('comment-body').value = '', 1)`)

	// A new top-level comment, with a script that must not run.
	must("comment", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#comment-body"), "Jordan here: the JX is a *sensible* move. <script>window.pwned = 1</script><img src=x onerror=\"window.pwned=2\">"),
		chromedp.Click(chromedp.CSS(`#comment-form button[type=submit]:not([data-preview])`))))
	waitFor("the posted comment", flash("Your comment is posted"))
	if h := text("#comments-heading"); !strings.HasPrefix(h, "5 Comments on") {
		t.Fatalf("count after commenting: %q", h)
	}
	if eval(`window.pwned ? 1 : 0`) != 0 || eval(`document.querySelectorAll('#comments script, #comments img[src="x"]').length`) != 0 {
		t.Fatal("a script from a comment ran or reached the page")
	}
	if r := text("#widget-recent + ul li:first-child"); !strings.HasPrefix(r, "Jordan Pike on Infiniti to Move") || !strings.Contains(r, ": Jordan here") {
		t.Fatalf("Recent Comments: %q", r)
	}

	// Reply three deep, in place: the form moves under the comment.
	target := "Jordan here"
	for depth := 1; depth <= 3; depth++ {
		clicked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const t = [...document.querySelectorAll('.comment-text')].find(e => e.textContent.includes('`+target+`'));
			if (!t) return false;
			t.closest('li.comment').querySelector(':scope > article a.reply-link').click();
			return true })()`))
		must("click reply", err)
		if !clicked {
			t.Fatalf("no comment with %q to reply to", target)
		}
		target = "A reply at depth " + string(rune('0'+depth))
		must("reply", chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS(".replying")),
			chromedp.SendKeys(chromedp.CSS("#comment-body"), "A reply at depth "+string(rune('0'+depth))),
			chromedp.Click(chromedp.CSS(`#comment-form button[type=submit]:not([data-preview])`))))
		waitFor("reply "+string(rune('0'+depth)), `[...document.querySelectorAll('.comment-text')].some(e => e.textContent.includes('A reply at depth `+string(rune('0'+depth))+`'))`)
		// The next reply answers this one: make it the last comment shown.
		must("back to the article", chromedp.Do(ctx, chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	}
	if h := text("#comments-heading"); !strings.HasPrefix(h, "8 Comments on") {
		t.Fatalf("count after replies: %q", h)
	}
	deepest := eval(`Math.max(...[...document.querySelectorAll('#comments li.comment')].map(li => { let d = 0, p = li.parentElement; while (p && p.id !== 'comments') { if (p.matches('ol.children')) d++; p = p.parentElement } return d }))`)
	if deepest < 3 {
		t.Fatalf("replies nest %d deep, want 3", deepest)
	}

	// Vote on Beatriz's comment without leaving the page.
	beatriz := `[...document.querySelectorAll('#comments li.comment')].find(li => li.textContent.includes('old-fashioned'))`
	if eval(beatriz+`.querySelector('.score').textContent * 1`) != 1 {
		t.Fatal("Beatriz's comment does not start at 1")
	}
	eval(`(` + beatriz + `.querySelector('.vote-up').click(), 1)`)
	waitFor("the vote", beatriz+`.querySelector('.vote-up.voted') !== null`)
	if n := eval(beatriz + `.querySelector('.score').textContent * 1`); n != 2 {
		t.Fatalf("score after voting: %d", n)
	}
	must("reload", chromedp.Do(ctx, chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if n := eval(beatriz + `.querySelector('.score').textContent * 1`); n != 2 {
		t.Fatalf("score after reload: %d", n)
	}
	shot("comments-reader.png")
	// Every control on a comment is a target of at least 24 by 24 pixels
	// (WCAG 2.2's target size, as axe checks it).
	small := eval(`[...document.querySelectorAll('#comments .comment-actions a, #comments .comment-actions button, #comments .comment-actions summary, #comments a.comment-time')]
		.filter(e => e.offsetParent !== null).filter(e => { const r = e.getBoundingClientRect(); return r.width < 24 || r.height < 24 }).length`)
	if small != 0 {
		t.Fatalf("%d comment controls are smaller than 24 px", small)
	}

	// A moderator trashes Jordan's comment from the queue.
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.account-nav form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))))
	signIn("ruth.okafor@motorledger.example")
	must("queue", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/comments?queue=all"), chromedp.WaitVisible(chromedp.CSS("table.dense"))))
	shot("admin-comments.png")
	must("trash", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`table.dense tbody tr:first-child input[type=checkbox]`)),
		chromedp.SetValue(chromedp.CSS("#bulk-action"), "trash"),
		chromedp.Click(chromedp.CSS(`.bulk button`))))
	waitFor("the moderation", flash("Comment moved to the trash."))
	must("article again", chromedp.Do(ctx, chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if h := text("#comments-heading"); !strings.HasPrefix(h, "7 Comments on") {
		t.Fatalf("count after trashing: %q", h)
	}

	// Moderating on the page itself: hold Beatriz's comment, land in place.
	eval(`(` + beatriz + `.querySelector('details.mod-tools').open = true, 1)`)
	shot("comments-moderator.png")
	eval(`(` + beatriz + `.querySelector('details.mod-tools button[value^="hold:"]').click(), 1)`)
	waitFor("the hold", flash("Comment held for review."))
	if h := text("#comments-heading"); !strings.HasPrefix(h, "6 Comments on") {
		t.Fatalf("count after holding: %q", h)
	}
	if v := eval(`(() => { const f = document.querySelector('.flash').getBoundingClientRect(); return f.top >= 0 && f.bottom <= innerHeight ? 1 : 0 })()`); v != 1 {
		t.Fatal("the moderator's notice is out of view")
	}
	// The queue with the keyboard, as in WordPress: the pending queue opens
	// by itself; j moves to the held comment, a approves it.
	must("queue by keys", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/comments"), chromedp.WaitVisible(chromedp.CSS("table.moderation")),
		chromedp.KeyEvent("j"), chromedp.KeyEvent("a")))
	waitFor("approval by keys", flash("Comment approved."))
	must("article after approval", chromedp.Do(ctx, chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if h := text("#comments-heading"); !strings.HasPrefix(h, "7 Comments on") {
		t.Fatalf("count after approving by keys: %q", h)
	}
	// The queue on a phone: rows are cards, steps within reach.
	must("phone", chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	must("queue on a phone", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/comments?queue=all"), chromedp.WaitVisible(chromedp.CSS("table.dense"))))
	shot("admin-comments-phone.png")
	must("article on a phone", chromedp.Do(ctx, chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	must("dark", chromedp.Do(ctx, colorScheme("dark")))
	eval(`(document.getElementById('comments').scrollIntoView(), 1)`)
	shot("comments-phone-dark.png")
}
