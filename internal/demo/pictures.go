package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"runtime"
	"sort"
	"strings"
	"sync"

	"byline/internal/account"
	"byline/internal/cars"
	"byline/internal/media"
	"byline/internal/slug"
)

// Picture sizes: a lead image's width is the page's widest need; the
// media store makes the smaller variants from it.
const (
	picWidth, picHeight = 1200, 675
	portraitSize        = account.AvatarSize
)

// paint is a body colour and its name for alt text.
type paint struct{ hex, name string }

var (
	red      = paint{"#c81e25", "red"}
	crimson  = paint{"#8e1b24", "dark red"}
	silver   = paint{"#aeb4bb", "silver"}
	graphite = paint{"#4a4f55", "graphite grey"}
	pearl    = paint{"#e9ebe8", "white"}
	midnight = paint{"#1f2f57", "dark blue"}
	blue     = paint{"#1e6fd0", "blue"}
	emerald  = paint{"#1e6b4e", "green"}
	orange   = paint{"#e06a1b", "orange"}
	yellow   = paint{"#f2c12e", "yellow"}
	teal     = paint{"#1d8a8a", "teal"}
	sand     = paint{"#b9a27a", "beige"}
	ink      = paint{"#22252a", "black"}
	lime     = paint{"#8fb23a", "lime green"}
)

// articlePic is the lead picture of a demo article and its alt text.
type articlePic struct {
	carPic
	alt string
}

func pic(style string, p paint, scene string, right bool, alt string) articlePic {
	return articlePic{carPic{Style: style, Paint: p.hex, Scene: scene, Right: right}, alt}
}

// articlePics are the demo articles' lead pictures, by slug.
var articlePics = map[string]articlePic{
	"detroit-show-opens-with-sleeker-midsize-sedans":               pic("sedan", silver, "show", false, "Illustration: a silver midsize sedan on a turntable under spotlights at an auto show"),
	"automakers-close-out-2011-with-best-us-sales-since-downturn":  pic("suv", pearl, "road", true, "Illustration: a white crossover on a country road on a sunny day"),
	"toyota-recalls-older-sedans-crossovers-window-switches":       pic("sedan", crimson, "lab", true, "Illustration: a dark red sedan in a vehicle test hall"),
	"chicago-auto-show-leans-on-pickups-work-vans-crossovers":      pic("pickup", blue, "show", false, "Illustration: a blue pickup truck on an auto show stand"),
	"canadas-early-electric-car-owners-range-anxiety-cold-weather": pic("hatch", teal, "winter", false, "Illustration: a teal electric hatchback on a snowy road lined with pine trees"),
	"review-compact-hybrid-hatchback-rewards-light-right-foot":     pic("hatch", lime, "road", true, "Illustration: a lime green hybrid hatchback on an open road"),
	"rain-delayed-season-opener-ends-after-midnight": {carPic{Style: "race", Paint: orange.hex, Scene: "nighttrack", Number: "14"},
		"Illustration: an orange race car numbered 14 on a floodlit track at night"},
	"february-sales-climb-gas-prices-small-cars":           pic("hatch", orange, "dawn", false, "Illustration: an orange small car on a road at sunrise"),
	"geneva-show-supercars-shooting-brakes-electric-plans": pic("coupe", red, "show", true, "Illustration: a red sports coupe under spotlights at a motor show"),
	"safety-researchers-preview-tougher-frontal-crash-test": pic("sedan", yellow, "lab", false,
		"Illustration: a yellow test car beside a crash barrier in a safety lab"),
	"endurance-season-opens-at-sebring-patience-wins": {carPic{Style: "race", Paint: midnight.hex, Scene: "track", Number: "7", Right: true},
		"Illustration: a dark blue endurance race car numbered 7 passing a grandstand"},
	"canadian-shoppers-turn-to-compact-crossovers":         pic("suv", red, "winter", true, "Illustration: a red compact crossover on a winter road"),
	"new-york-show-family-haulers-six-figure-roadster":     pic("coupe", emerald, "show", false, "Illustration: a green roadster on a turntable at an auto show"),
	"infiniti-to-move-production-out-of-japan":             pic("suv", graphite, "factory", false, "Illustration: a graphite grey three-row crossover outside a car factory"),
	"full-size-pickup-recall-airbag-wiring":                pic("pickup", ink, "dusk", true, "Illustration: a black full-size pickup truck on a highway at dusk"),
	"regulators-near-final-fuel-economy-rules":             pic("hatch", blue, "city", true, "Illustration: a blue hybrid hatchback on a city street at night"),
	"ontario-plant-adds-production-compact-crossover":      pic("suv", silver, "factory", true, "Illustration: a silver compact crossover in front of an assembly plant"),
	"review-full-size-pickup-tows-with-ease-drinks-deeply": pic("pickup", crimson, "dawn", false, "Illustration: a dark red full-size pickup truck on a road at dawn"),
	"supplier-fuel-line-fitting-prompts-compact-car-recall": pic("sedan", graphite, "factory", false,
		"Illustration: a grey compact sedan outside a parts plant"),
	"first-drive-california-startup-electric-sedan": pic("sedan", pearl, "dusk", false, "Illustration: a white electric sedan on a coastal road at sunset"),
	"indianapolis-500-record-lead-changes-last-lap-thriller": {carPic{Style: "race", Paint: yellow.hex, Scene: "track", Number: "3"},
		"Illustration: a yellow race car numbered 3 on an oval in front of a packed grandstand"},
	"preview-coming-model-year-hybrids-pickups-evs": pic("wagon", teal, "show", true, "Illustration: a teal electric wagon on a show stand"),
}

// makePaints are each make's colours, for its models in turn.
var makePaints = map[string][]paint{
	"infiniti": {graphite, midnight, pearl, crimson}, "nissan": {red, silver, blue}, "toyota": {red, pearl, sand, silver, blue},
	"ford": {blue, orange, ink}, "honda": {red, silver}, "chevrolet": {ink, teal}, "lexus": {pearl}, "bmw": {midnight},
	"hyundai": {emerald}, "subaru": {emerald},
}

// modelPic is a catalogue model's picture: its body style in its make's
// colours, in the studio.
func modelPic(m *cars.Model, i int) articlePic {
	b := strings.ToLower(m.BodyStyle)
	style := "sedan"
	switch {
	case strings.Contains(b, "pickup"):
		style = "pickup"
	case strings.Contains(b, "suv"):
		style = "suv"
	case strings.Contains(b, "hatchback"):
		style = "hatch"
	case strings.Contains(b, "coupe"):
		style = "coupe"
	case strings.Contains(b, "wagon"):
		style = "wagon"
	}
	paints := makePaints[m.Make.Slug]
	if len(paints) == 0 {
		paints = []paint{silver}
	}
	p := paints[i%len(paints)]
	return articlePic{carPic{Style: style, Paint: p.hex, Scene: "studio", Right: i%2 == 1},
		fmt.Sprintf("Illustration: a %s %s, %s, seen from the side", p.name, m.FullName(), strings.ToLower(m.BodyStyle))}
}

// portraits are the staff's drawn portraits, by e-mail address.
var portraits = map[string]portrait{
	"helen.marsh@motorledger.example":       {Skin: "#f0c8a8", Hair: "#b9b4ae", Jacket: "#2b3a55", Backdrop: "#a9bfd6", Hair2: "bun", Glasses: true},
	"marcus.delaney@motorledger.example":    {Skin: "#6b4430", Hair: "#15100d", Jacket: "#4a4f58", Backdrop: "#d6c3a0", Hair2: "crop"},
	"priya.raman@motorledger.example":       {Skin: "#b07a55", Hair: "#1c1412", Jacket: "#6b2a3c", Backdrop: "#c8d6c0", Hair2: "long"},
	"elliot.vance@motorledger.example":      {Skin: "#e8bd9c", Hair: "#6b4a2e", Jacket: "#334a3e", Backdrop: "#d9c9b5", Hair2: "short", Glasses: true},
	"sofia.brandt@motorledger.example":      {Skin: "#f3d0b5", Hair: "#c89a5a", Jacket: "#8a2d2d", Backdrop: "#b7c7d9", Hair2: "long"},
	"tomas.herrera@motorledger.example":     {Skin: "#c9926b", Hair: "#2a1d16", Jacket: "#20324d", Backdrop: "#e2b98f", Hair2: "short"},
	"genevieve.lacroix@motorledger.example": {Skin: "#f1c9ae", Hair: "#5a3422", Jacket: "#3d3f6b", Backdrop: "#d3dbe6", Hair2: "bun"},
	"ruth.okafor@motorledger.example":       {Skin: "#7a4b33", Hair: "#1a1311", Jacket: "#2f5d62", Backdrop: "#e6cfa3", Hair2: "crop", Glasses: true},
}

// Painting and encoding take most of the demo's load time, so each
// distinct picture is made once per process (tests load the demo often).
var (
	preparedMu sync.Mutex
	preparedBy = map[string]*preparedPic{}
)

type preparedPic struct {
	once sync.Once
	p    media.Prepared
	err  error
}

// prepared returns the car picture's variants, painted and encoded once
// (whatever the alt text: models of one make may look alike).
func prepared(name string, ap articlePic) (media.Prepared, error) {
	key := fmt.Sprintf("%+v", ap.carPic)
	preparedMu.Lock()
	pp := preparedBy[key]
	if pp == nil {
		pp = &preparedPic{}
		preparedBy[key] = pp
	}
	preparedMu.Unlock()
	pp.once.Do(func() {
		pp.p, pp.err = media.PrepareDrawn(name+".jpg", picWidth, picHeight, func(w, h int) image.Image { return paintCar(ap.carPic, w, h) }, ap.alt)
	})
	if pp.err != nil {
		return media.Prepared{}, pp.err
	}
	return pp.p.WithAlt(ap.alt)
}

// warmPictures starts painting the demo's pictures on every core while
// the demo's rows are written, so the load waits for them as little as it
// can.
func warmPictures() {
	type job struct {
		name string
		pic  articlePic
	}
	var jobs []job
	for slug, ap := range articlePics {
		jobs = append(jobs, job{slug, ap})
	}
	byMake := map[string][]cars.NewModel{}
	for _, m := range catalogue {
		byMake[m.Make] = append(byMake[m.Make], m)
	}
	for mk, models := range byMake {
		sort.Slice(models, func(i, j int) bool { return models[i].Name < models[j].Name }) // the catalogue's order
		mkSlug := slug.Make(mk)
		for i, m := range models {
			md := &cars.Model{Make: &cars.Make{Slug: mkSlug, Name: mk}, Name: m.Name, BodyStyle: m.BodyStyle}
			jobs = append(jobs, job{mkSlug + "-" + slug.Make(m.Name), modelPic(md, i)})
		}
	}
	ch := make(chan job)
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for j := range ch {
				prepared(j.name, j.pic) // an error comes again when the load asks
			}
		}()
	}
	go func() {
		for _, j := range jobs {
			ch <- j
		}
		close(ch)
	}()
}

var portraitJPEG sync.Map // e-mail address -> []byte

// portraitFile is a staff member's portrait as a JPEG file, made once.
func portraitFile(email string, p portrait) ([]byte, error) {
	if b, ok := portraitJPEG.Load(email); ok {
		return b.([]byte), nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, paintPortrait(p, portraitSize), &jpeg.Options{Quality: 88}); err != nil {
		return nil, err
	}
	portraitJPEG.Store(email, buf.Bytes())
	return buf.Bytes(), nil
}

// loadPortraits gives the staff their portraits.
func loadPortraits(ctx context.Context, people *account.Store) error {
	for _, p := range People {
		pt, ok := portraits[p.Email]
		if !ok {
			continue
		}
		person, err := people.Find(ctx, p.Email)
		if err != nil {
			return fmt.Errorf("demo: portrait of %s: %w", p.DisplayName, err)
		}
		data, err := portraitFile(p.Email, pt)
		if err != nil {
			return err
		}
		if err := people.SetAvatar(ctx, person.ID, data); err != nil {
			return fmt.Errorf("demo: portrait of %s: %w", p.DisplayName, err)
		}
	}
	return nil
}

// loadModelPhotos gives every model of the catalogue its picture.
func loadModelPhotos(ctx context.Context, c *cars.Store, m *media.Store) error {
	cat, err := c.Catalogue(ctx)
	if err != nil {
		return err
	}
	for _, mk := range cat.Makes {
		for i, md := range mk.Models {
			p, err := prepared(mk.Slug+"-"+md.Slug, modelPic(md, i))
			if err != nil {
				return fmt.Errorf("demo: picture of %s: %w", md.FullName(), err)
			}
			stored, err := m.Put(ctx, p, 0)
			if err != nil {
				return fmt.Errorf("demo: picture of %s: %w", md.FullName(), err)
			}
			if err := c.SetPhoto(ctx, md.ID, stored.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
