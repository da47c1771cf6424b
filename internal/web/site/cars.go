package site

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/leads"
	"byline/internal/media"
	"byline/internal/web/core"
)

// Quote requests one address may send per hour, and one e-mail address
// per day: enough for a family, too few for a flood.
const (
	quotesPerIP    = 10
	quotesPerEmail = 5
)

type carsData struct {
	Catalogue *cars.Catalogue
	Make      *cars.Make
	Model     *cars.Model
	Articles  []article.Article
	MoreTag   string // the tag page with more articles
	Quote     quoteForm
	Pictures  map[int64]*media.Media // the articles' featured images
	Photos    map[int64]*media.Media // the models' photos, by media id
}

// carPictures loads the articles' images and the photos of the models
// the page shows (one query).
func (s *Server) carPictures(r *http.Request, d *carsData, models []*cars.Model) error {
	if s.Media == nil {
		return nil
	}
	ids := make([]int64, 0, len(d.Articles)+len(models))
	for _, a := range d.Articles {
		ids = append(ids, a.FeaturedMediaID)
	}
	for _, m := range models {
		ids = append(ids, m.MediaID)
	}
	all, err := s.Media.ByIDs(r.Context(), ids)
	d.Pictures, d.Photos = all, all
	return err
}

// quoteForm is the full quote form as a page shows it.
type quoteForm struct {
	Catalogue  *cars.Catalogue
	Model      *cars.Model // fixed on a model page
	Form       *core.Form
	Years      []int
	Timeframes []struct{ Value, Label string }
	Consent    string
}

func (s *Server) newQuoteForm(cat *cars.Catalogue, m *cars.Model, f *core.Form) quoteForm {
	q := quoteForm{Catalogue: cat, Model: m, Form: f, Timeframes: leads.Timeframes, Consent: leads.ConsentText}
	if m != nil {
		q.Years = m.Years()
	} else {
		lo, hi := 0, 0
		for _, mk := range cat.Makes {
			for _, md := range mk.Models {
				if lo == 0 || md.YearFrom < lo {
					lo = md.YearFrom
				}
				hi = max(hi, md.YearTo)
			}
		}
		for y := hi; y >= lo && y > 0; y-- {
			q.Years = append(q.Years, y)
		}
	}
	return q
}

func (s *Server) carsPage(w http.ResponseWriter, r *http.Request, status int, name string, p *core.Page) error {
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, status, name, p)
}

// carsIndex lists the makes.
func (s *Server) carsIndex(w http.ResponseWriter, r *http.Request) error {
	cat, err := s.Cars.Catalogue(r.Context())
	if err != nil {
		return err
	}
	d := carsData{Catalogue: cat, Quote: s.newQuoteForm(cat, nil, nil)}
	var first []*cars.Model // each make is shown with its first model's photo
	for _, mk := range cat.Makes {
		if len(mk.Models) > 0 {
			first = append(first, mk.Models[0])
		}
	}
	if err := s.carPictures(r, &d, first); err != nil {
		return err
	}
	return s.carsPage(w, r, http.StatusOK, "cars", &core.Page{Title: "New Car Research", Description: "Makes and models with prices, specs and our reporting, and free quotes from local dealers.",
		Data: d})
}

// carMake lists a make's models and the articles about it.
func (s *Server) carMake(w http.ResponseWriter, r *http.Request) error {
	cat, err := s.Cars.Catalogue(r.Context())
	if err != nil {
		return err
	}
	mk, ok := cat.Make(r.PathValue("make"))
	if !ok {
		return apperr.ErrNotFound
	}
	d := carsData{Catalogue: cat, Make: mk, Quote: s.newQuoteForm(cat, nil, nil)}
	if d.Articles, d.MoreTag, err = s.taggedArticles(r, mk.Slug); err != nil {
		return err
	}
	if err := s.carPictures(r, &d, mk.Models); err != nil {
		return err
	}
	return s.carsPage(w, r, http.StatusOK, "cars", &core.Page{Title: mk.Name + " models", Description: "Every " + mk.Name + " model: prices, specs, our articles and free dealer quotes.", Data: d})
}

// carModel shows a model and the full quote form.
func (s *Server) carModel(w http.ResponseWriter, r *http.Request) error {
	cat, err := s.Cars.Catalogue(r.Context())
	if err != nil {
		return err
	}
	mk, ok := cat.Make(r.PathValue("make"))
	if !ok {
		return apperr.ErrNotFound
	}
	var m *cars.Model
	for _, x := range mk.Models {
		if x.Slug == r.PathValue("model") {
			m = x
		}
	}
	if m == nil {
		return apperr.ErrNotFound
	}
	d := carsData{Catalogue: cat, Make: mk, Model: m, Quote: s.newQuoteForm(cat, m, nil)}
	if d.Articles, d.MoreTag, err = s.taggedArticles(r, m.Tag()); err != nil {
		return err
	}
	if len(d.Articles) == 0 { // nothing on the model yet: the make's
		if d.Articles, d.MoreTag, err = s.taggedArticles(r, mk.Slug); err != nil {
			return err
		}
	}
	if err := s.carPictures(r, &d, []*cars.Model{m}); err != nil {
		return err
	}
	p := &core.Page{Title: m.FullName(), Description: m.FullName() + ": prices, specs, our articles and a free dealer quote.", Data: d}
	if photo := d.Photos[m.MediaID]; photo != nil {
		st := s.Site(r)
		abs := st.BaseURL + r.URL.Path
		p.OG = &core.OpenGraph{Type: "website", Title: m.FullName(), Description: p.Description, URL: abs, Image: core.OgImage(st.BaseURL, photo)}
	}
	return s.carsPage(w, r, http.StatusOK, "cars", p)
}

// taggedArticles are the latest articles with a tag, if it exists.
func (s *Server) taggedArticles(r *http.Request, tag string) ([]article.Article, string, error) {
	t, err := s.Articles.TagBySlug(r.Context(), tag)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	p, err := s.Articles.List(r.Context(), article.ListQuery{TagID: t.ID, Limit: 6})
	return p.Articles, "/tag/" + t.Slug + "/", err
}

// quotePage is the full form on its own (where the sidebar's box leads,
// with the make, model and postal code chosen there).
func (s *Server) quotePage(w http.ResponseWriter, r *http.Request) error {
	cat, err := s.Cars.Catalogue(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := &core.Form{Values: map[string][]string{"make": {q.Get("make")}, "model": {q.Get("model")}, "postal": {q.Get("postal")}}, Errors: map[string]string{}}
	var m *cars.Model
	if id, err := strconv.ParseInt(q.Get("model"), 10, 64); err == nil {
		if m, _ = cat.Model(id); m != nil {
			f.Values.Set("make", strconv.FormatInt(m.MakeID, 10))
		}
	}
	return s.carsPage(w, r, http.StatusOK, "quote", &core.Page{Title: "Get a Free Dealer Quote", NoIndex: true,
		Data: carsData{Catalogue: cat, Model: m, Quote: s.newQuoteForm(cat, nil, f)}})
}

// submitQuote takes a quote request: refused with reasons and the form as
// typed, or stored, routed and thanked.
func (s *Server) submitQuote(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	ctx := r.Context()
	cat, err := s.Cars.Catalogue(ctx)
	if err != nil {
		return err
	}
	var fixed *cars.Model // the form on a model page
	if f.Get("fixed") != "" {
		if id, err := strconv.ParseInt(f.Get("model"), 10, 64); err == nil {
			fixed, _ = cat.Model(id)
		}
	}
	again := func(status int) error {
		d := carsData{Catalogue: cat, Model: fixed, Quote: s.newQuoteForm(cat, fixed, f)}
		return s.carsPage(w, r, status, "quote", &core.Page{Title: "Get a Free Dealer Quote", NoIndex: true, Form: f, Data: d})
	}
	if refused {
		return again(http.StatusUnprocessableEntity)
	}
	if f.Get("website") != "" { // the honeypot
		return s.RedirectFlash(w, r, "/cars/", flashQuoteSent)
	}
	num := func(k string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64)
		return n
	}
	req := leads.Request{MakeID: num("make"), ModelID: num("model"), Year: int(num("year")), Trim: f.Get("trim"), Postal: f.Get("postal"),
		FirstName: f.Get("first_name"), LastName: f.Get("last_name"), Email: f.Get("email"), Phone: f.Get("phone"),
		Timeframe: f.Get("timeframe"), Comments: f.Get("comments"), Consent: f.Get("consent") != "", IP: s.ClientIP(r)}
	for _, lim := range []struct {
		key string
		n   int
		per time.Duration
	}{{"quote-ip:" + req.IP, quotesPerIP, time.Hour}, {"quote-email:" + strings.ToLower(strings.TrimSpace(req.Email)), quotesPerEmail, 24 * time.Hour}} {
		ok, retry, err := s.Limiter.Hit(ctx, lim.key, lim.n, lim.per)
		if err != nil {
			return err
		}
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
			f.Error = "We have had several requests from you already. Please wait " + core.RoundWait(retry) + " and try again, or call a dealer directly."
			return again(http.StatusTooManyRequests)
		}
	}
	st := s.Site(r)
	l, err := s.Leads.Submit(ctx, req, leads.Provider{Name: st.Name, URL: st.BaseURL + "/", Email: st.SMTP.From})
	if err != nil {
		if f.Fail(err) {
			return again(http.StatusUnprocessableEntity)
		}
		return err
	}
	s.Logger.Info("quote request", "lead", l.ID, "status", l.Status, "dealers", len(l.Deliveries))
	http.Redirect(w, r, "/cars/quote/thanks?t="+l.ThanksToken, http.StatusSeeOther)
	return nil
}

// quoteThanks tells the buyer what became of their request, in the words
// of the confirmation mail: which dealers have it, or that it is kept and
// why.
func (s *Server) quoteThanks(w http.ResponseWriter, r *http.Request) error {
	l, err := s.Leads.ByThanks(r.Context(), r.URL.Query().Get("t"))
	if err != nil {
		return err
	}
	a, err := s.Leads.Answer(r.Context(), l)
	if err != nil {
		return err
	}
	return s.carsPage(w, r, http.StatusOK, "quote-thanks", &core.Page{Title: "Thank you", NoIndex: true, Data: a})
}
