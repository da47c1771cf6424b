// Package metrics holds the Prometheus registry the server exposes at
// /metrics: request counts and latencies by route, and database pools.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one registry with the server's instruments.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec

	routes sync.Map // route -> *routeInstruments
}

// New creates a registry with Go runtime, process and database pool metrics.
func New(pools map[string]*sql.DB) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, p := range pools {
		reg.MustRegister(collectors.NewDBStatsCollector(p, name))
	}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "byline_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "byline_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// CacheStats reports the page cache's counters.
type CacheStats func() (hits, misses, evictions int64, entries, bytes int)

// WatchCache exposes the page cache's counters.
func (m *Metrics) WatchCache(stats CacheStats) {
	counter := func(name, help string, pick func() float64) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, pick))
	}
	gauge := func(name, help string, pick func() float64) {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, pick))
	}
	counter("byline_page_cache_hits_total", "Pages served from the page cache.", func() float64 { h, _, _, _, _ := stats(); return float64(h) })
	counter("byline_page_cache_misses_total", "Pages rendered because the cache had no fresh copy.", func() float64 { _, mi, _, _, _ := stats(); return float64(mi) })
	counter("byline_page_cache_evictions_total", "Pages dropped to stay within the memory budget.", func() float64 { _, _, e, _, _ := stats(); return float64(e) })
	gauge("byline_page_cache_entries", "Pages in the cache.", func() float64 { _, _, _, n, _ := stats(); return float64(n) })
	gauge("byline_page_cache_bytes", "Memory the cached pages take.", func() float64 { _, _, _, _, b := stats(); return float64(b) })
}

// Observe records one finished request.
func (m *Metrics) Observe(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	in, ok := m.routes.Load(route)
	if !ok {
		// Finding a labelled series hashes its labels: done once per
		// route (and below once per method and status), not per request.
		in, _ = m.routes.LoadOrStore(route, &routeInstruments{latency: m.latency.WithLabelValues(route)})
	}
	ri := in.(*routeInstruments)
	ri.counter(m.requests, route, method, code).Inc()
	ri.latency.Observe(d.Seconds())
}

// methods are the methods counted by name; any other token is one
// method, OTHER, to keep the series few.
var methods = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}

// routeInstruments are one route's series. The counter for GET and 200,
// most requests, is kept aside, so they look up nothing but the route.
type routeInstruments struct {
	latency prometheus.Observer
	getOK   atomic.Pointer[prometheus.Counter]
	others  sync.Map // method index * 1000 + status -> prometheus.Counter
}

func (ri *routeInstruments) counter(vec *prometheus.CounterVec, route, method string, code int) prometheus.Counter {
	if code == 200 && method == "GET" {
		if c := ri.getOK.Load(); c != nil {
			return *c
		}
		c := vec.WithLabelValues(route, method, "200")
		ri.getOK.Store(&c)
		return c
	}
	mi := len(methods) - 1
	for i, name := range methods[:mi] {
		if method == name {
			mi = i
			break
		}
	}
	k := mi*1000 + code
	if c, ok := ri.others.Load(k); ok {
		return c.(prometheus.Counter)
	}
	c, _ := ri.others.LoadOrStore(k, vec.WithLabelValues(route, methods[mi], strconv.Itoa(code)))
	return c.(prometheus.Counter)
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
