package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"byline/internal/cars"
	"byline/internal/leads"
	"byline/internal/web/core"
)

type leadsData struct {
	Leads    []leads.Lead
	Query    leads.Query
	Values   url.Values // the filters as typed
	Makes    []*cars.Make
	Dealers  []leads.Dealer
	Statuses []string
	More     string
	Export   string
	Chart    chart
}

// leadQuery reads the leads screen's filters; a malformed one is a 400.
func (s *Server) leadQuery(r *http.Request) (leads.Query, error) {
	q := r.URL.Query()
	lq := leads.Query{Status: q.Get("status"), Limit: 50}
	for _, f := range []struct {
		key string
		dst *int64
	}{{"make", &lq.MakeID}, {"dealer", &lq.DealerID}, {"before", &lq.Before}} {
		if v := q.Get(f.key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return lq, core.BadRequest{Msg: "Malformed " + f.key + "."}
			}
			*f.dst = n
		}
	}
	if lq.Status != "" && lq.Status != leads.Routed && lq.Status != leads.Unrouted && lq.Status != leads.Duplicate {
		return lq, core.BadRequest{Msg: "Unknown status."}
	}
	for _, f := range []struct {
		key string
		dst *time.Time
		add int
	}{{"from", &lq.From, 0}, {"to", &lq.To, 1}} {
		if v := q.Get(f.key); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, s.Location)
			if err != nil {
				return lq, core.BadRequest{Msg: "Dates are written 2026-11-21."}
			}
			*f.dst = t.AddDate(0, 0, f.add) // "to" includes its day
		}
	}
	return lq, nil
}

func (s *Server) adminLeads(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	lq, err := s.leadQuery(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := leadsData{Query: lq, Values: r.URL.Query(), Statuses: []string{leads.Routed, leads.Unrouted, leads.Duplicate}}
	if d.Leads, err = s.Leads.List(ctx, lq); err != nil {
		return err
	}
	cat, err := s.Cars.Catalogue(ctx)
	if err != nil {
		return err
	}
	d.Makes = cat.Makes
	if d.Dealers, err = s.Leads.Dealers(ctx); err != nil {
		return err
	}
	if len(d.Leads) == lq.Limit {
		next := r.URL.Query()
		next.Set("before", strconv.FormatInt(d.Leads[len(d.Leads)-1].ID, 10))
		d.More = "/admin/leads?" + next.Encode()
	}
	exp := r.URL.Query()
	exp.Del("before")
	d.Export = "/admin/leads/export.csv?" + exp.Encode()
	weeks, err := s.Leads.PerMakePerWeek(ctx, 12)
	if err != nil {
		return err
	}
	d.Chart = leadsChart(weeks, 12, s.Location)
	return s.adminPage(w, r, v, http.StatusOK, "admin/leads", "Leads", nil, d)
}

// leadsChart is leads per make per week as stacked bars.
func leadsChart(weeks []leads.WeekCount, n int, loc *time.Location) chart {
	start := time.Now().In(loc)
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, -1)
	}
	start = start.AddDate(0, 0, -7*(n-1))
	c := chart{Title: "Leads per make per week", Unit: "leads"}
	index := map[string]int{}
	for i := 0; i < n; i++ {
		w := start.AddDate(0, 0, 7*i)
		c.Labels = append(c.Labels, w.Format("Jan 2"))
		index[w.Format("2006-01-02")] = i
	}
	series := map[string]int{}
	for _, wc := range weeks {
		i, ok := index[wc.Week.Format("2006-01-02")]
		if !ok {
			continue
		}
		si, ok := series[wc.Make]
		if !ok {
			si = len(c.Series)
			series[wc.Make] = si
			c.Series = append(c.Series, chartSeries{Name: wc.Make, Values: make([]int, n)})
		}
		c.Series[si].Values[i] += wc.Count
	}
	return c
}

func (s *Server) exportLeads(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	lq, err := s.leadQuery(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="leads-`+time.Now().Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return s.Leads.Export(r.Context(), lq, w)
}

type leadData struct {
	Lead leads.Lead
	ADF  []leadADF
}

type leadADF struct {
	Dealer string
	XML    string
}

func (s *Server) adminLead(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	l, err := core.ByPath(r, s.Leads.ByID)
	if err != nil {
		return err
	}
	d := leadData{Lead: l}
	docs, err := s.Leads.Documents(r.Context(), l, s.leadProvider(r))
	if err != nil {
		return err
	}
	for _, doc := range docs {
		d.ADF = append(d.ADF, leadADF{doc.Dealer.Name, string(doc.XML)})
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/lead", "Lead "+strconv.FormatInt(l.ID, 10), nil, d)
}

func (s *Server) leadProvider(r *http.Request) leads.Provider {
	st := s.Site(r)
	return leads.Provider{Name: st.Name, URL: st.BaseURL + "/", Email: st.SMTP.From}
}

type dealersData struct {
	Dealers []leads.Dealer
	Today   map[int64]int
	Makes   map[int64]string
	Report  *leads.ImportReport
	Error   string
}

func (s *Server) adminDealers(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.dealersPage(w, r, v, http.StatusOK, nil, "")
}

func (s *Server) dealersPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, rep *leads.ImportReport, importErr string) error {
	ctx := r.Context()
	d := dealersData{Report: rep, Error: importErr, Makes: map[int64]string{}}
	var err error
	if d.Dealers, err = s.Leads.Dealers(ctx); err != nil {
		return err
	}
	if d.Today, err = s.Leads.LeadsToday(ctx); err != nil {
		return err
	}
	cat, err := s.Cars.Catalogue(ctx)
	if err != nil {
		return err
	}
	for _, m := range cat.Makes {
		d.Makes[m.ID] = m.Name
	}
	return s.adminPage(w, r, v, status, "admin/dealers", "Dealers", nil, d)
}

type dealerData struct {
	Dealer leads.Dealer
	New    bool
	Makes  []*cars.Make
	Sells  map[int64]bool
}

func (s *Server) dealerForm(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	var dl leads.Dealer
	isNew := r.PathValue("id") == ""
	if isNew {
		dl = leads.Dealer{Active: true, DailyCap: 50, Country: "US"}
	} else {
		id, err := core.PathID(r)
		if err != nil {
			return err
		}
		if dl, err = s.Leads.Dealer(r.Context(), id); err != nil {
			return err
		}
	}
	return s.dealerPage(w, r, v, http.StatusOK, nil, dl, isNew)
}

func (s *Server) dealerPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form, dl leads.Dealer, isNew bool) error {
	cat, err := s.Cars.Catalogue(r.Context())
	if err != nil {
		return err
	}
	d := dealerData{Dealer: dl, New: isNew, Makes: cat.Makes, Sells: map[int64]bool{}}
	for _, m := range dl.MakeIDs {
		d.Sells[m] = true
	}
	if f != nil {
		d.Sells = map[int64]bool{}
		for _, m := range f.Values["makes"] {
			if id, err := strconv.ParseInt(m, 10, 64); err == nil {
				d.Sells[id] = true
			}
		}
	}
	title := "New dealer"
	if !isNew {
		title = dl.Name
	}
	return s.adminPage(w, r, v, status, "admin/dealer", title, f, d)
}

func (s *Server) saveDealer(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = core.PathID(r); err != nil {
			return err
		}
	}
	cap, err := strconv.Atoi(strings.TrimSpace(f.Get("daily_cap")))
	if err != nil {
		cap = -1 // refused below with a reason
	}
	df := leads.DealerForm{Name: f.Get("name"), Street: f.Get("street"), City: f.Get("city"), Region: f.Get("region"), Postal: f.Get("postal"),
		Country: f.Get("country"), Phone: f.Get("phone"), LeadEmails: f.Get("lead_emails"), Coverage: f.Get("coverage"), Makes: f.Values["makes"],
		DailyCap: cap, Active: f.Get("active") != "", ADFAttachment: f.Get("adf_attachment") != ""}
	var saved int64
	if refused {
		err = f.Bad
	} else {
		saved, err = s.Leads.SaveDealer(r.Context(), id, df)
	}
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		dl := leads.Dealer{ID: id, Name: df.Name, Street: df.Street, City: df.City, Region: df.Region, Postal: df.Postal, Country: df.Country, Phone: df.Phone,
			LeadEmails: []string{df.LeadEmails}, Coverage: []string{df.Coverage}, DailyCap: cap, Active: df.Active, ADFAttachment: df.ADFAttachment}
		return s.dealerPage(w, r, v, http.StatusUnprocessableEntity, f, dl, id == 0)
	}
	s.Logger.Info("admin: dealer saved", "by", v.ID, "dealer", saved)
	return s.RedirectFlash(w, r, "/admin/dealers", flashDealerSaved)
}

func (s *Server) importDealers(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, importLimit); err != nil {
		return err
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return s.dealersPage(w, r, v, http.StatusUnprocessableEntity, nil, "Choose a CSV file to import.")
	}
	defer file.Close()
	rep, err := s.Leads.ImportDealers(r.Context(), file)
	if err != nil && rep.Added == 0 {
		return s.dealersPage(w, r, v, http.StatusUnprocessableEntity, nil, err.Error())
	}
	return s.dealersPage(w, r, v, http.StatusOK, &rep, "")
}
