package main

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPictures: the pictures a reader sees load and fit. The home
// page's lead picture, the teasers' thumbnails once scrolled to, an
// article's lead image and author photo, and a model's photo on its
// research page: each image arrives (naturalWidth > 0), the browser picks a
// sharp variant from srcset, and nothing overflows its
// column, on a desktop, on a phone and in the dark theme.
func TestBrowserPictures(t *testing.T) {
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "p.db"))
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must := b.must
	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		must(js, err)
		return n
	}
	// loaded waits until every image sel matches has arrived, and says how
	// many there are.
	loaded := func(what, sel string) int {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			n := eval(`[...document.querySelectorAll('` + sel + `')].length`)
			missing := eval(`[...document.querySelectorAll('` + sel + `')].filter(i => !(i.complete && i.naturalWidth > 0)).length`)
			if n > 0 && missing == 0 {
				return n
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d images did not load", what, missing, n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	overflow := func(what string) {
		t.Helper()
		if n := eval(`[...document.querySelectorAll('main img')].filter(i => i.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length`); n != 0 {
			t.Errorf("%s: %d images overflow the page", what, n)
		}
	}
	for _, view := range []struct {
		name string
		w, h int64
		dark bool
	}{{"phone", 390, 844, false}, {"phone-dark", 390, 844, true}, {"desktop", 1280, 900, false}} {
		scheme := "light"
		if view.dark {
			scheme = "dark"
		}
		must("viewport", chromedp.Do(ctx, chromedp.EmulateViewport(view.w, view.h), colorScheme(scheme)))

		must("home", chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))))
		loaded("home lead", ".lead-story img")
		// The browser is offered every variant with its width and the size
		// the picture takes, and what it loads is sharp: at least as many
		// pixels as it shows, give or take the rounding browsers allow
		// themselves. (Which variant it takes is its own choice: it may
		// reuse a larger file it already has.)
		if n := eval(`(() => { const i = document.querySelector('.lead-story img');
			return i.srcset.split(',').length >= 2 && i.sizes !== '' && i.naturalWidth * 1.25 >= i.clientWidth * devicePixelRatio ? 1 : 0 })()`); n != 1 {
			t.Errorf("%s: the lead picture is offered too few sizes or shown blurred", view.name)
		}
		b.shot("pictures-home-" + view.name + ".png")
		// Thumbnails load lazily, as the reader scrolls to them.
		for i := range eval(`document.querySelectorAll('main .teaser img').length`) {
			eval(`(document.querySelectorAll('main .teaser img')[` + strconv.Itoa(i) + `].scrollIntoView(), 1)`)
			time.Sleep(50 * time.Millisecond)
		}
		if n := loaded("home thumbnails", "main .teaser img"); n < 5 {
			t.Errorf("%s: %d thumbnails on the home page", view.name, n)
		}
		overflow(view.name + " home")

		must("article", chromedp.Do(ctx, chromedp.Navigate(base+"/2012/04/05/infiniti-to-move-production-out-of-japan/"), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
		loaded("article lead", "main .featured img")
		loaded("author photo", "main .author-photo")
		if eval(`document.querySelector('main .featured img').alt.length > 10 ? 1 : 0`) != 1 {
			t.Errorf("%s: the lead image has no alt text", view.name)
		}
		overflow(view.name + " article")
		b.shot("pictures-article-" + view.name + ".png")

		must("model", chromedp.Do(ctx, chromedp.Navigate(base+"/cars/infiniti/"), chromedp.WaitVisible(chromedp.CSS("main"))))
		must("open a model", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href^="/cars/infiniti/"]`)), chromedp.WaitVisible(chromedp.CSS("main h1"))))
		loaded("model photo", "main img")
		overflow(view.name + " model")
		b.shot("pictures-model-" + view.name + ".png")
	}
}
