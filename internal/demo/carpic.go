package demo

import (
	"image"
	"image/color"
	"math"
)

// carPic describes one car illustration.
type carPic struct {
	Style  string // sedan, suv, hatch, coupe, wagon, pickup, van, race
	Paint  string // body colour, #rrggbb
	Scene  string // road, dusk, dawn, city, show, studio, track, nighttrack, factory, winter, lab
	Right  bool   // the car faces right
	Number string // a race car's number
}

// shape is a body style: the outline, the glass, the pillars, where the
// wheels sit, in units of the car's length (u from the front, v up from
// the ground).
type shape struct {
	body    []pt
	glass   []pt
	pillars []float64
	wheels  [2]float64
	radius  float64
	length  float64 // of the picture's width
	belt    float64 // the shoulder line's height
	lamp    float64 // headlamp height
}

var shapes = map[string]shape{
	"sedan": {
		body: []pt{{0.015, 0.05}, {0.0, 0.10}, {0.01, 0.165}, {0.06, 0.19}, {0.28, 0.215}, {0.36, 0.228}, {0.47, 0.325}, {0.53, 0.335},
			{0.66, 0.33}, {0.77, 0.262}, {0.86, 0.25}, {0.975, 0.238}, {1.0, 0.19}, {0.995, 0.10}, {0.975, 0.05}, {0.975, 0.05}, {0.015, 0.05}, {0.015, 0.05}},
		glass:   []pt{{0.38, 0.232}, {0.38, 0.232}, {0.475, 0.315}, {0.53, 0.323}, {0.655, 0.318}, {0.745, 0.258}, {0.745, 0.258}},
		pillars: []float64{0.565}, wheels: [2]float64{0.175, 0.8}, radius: 0.068, length: 0.66, belt: 0.2, lamp: 0.165,
	},
	"suv": {
		body: []pt{{0.012, 0.07}, {0.0, 0.14}, {0.008, 0.225}, {0.05, 0.255}, {0.25, 0.275}, {0.32, 0.29}, {0.42, 0.395}, {0.47, 0.405},
			{0.9, 0.4}, {0.975, 0.375}, {0.995, 0.29}, {1.0, 0.14}, {0.985, 0.07}, {0.985, 0.07}, {0.012, 0.07}, {0.012, 0.07}},
		glass:   []pt{{0.335, 0.295}, {0.335, 0.295}, {0.425, 0.385}, {0.47, 0.392}, {0.885, 0.388}, {0.94, 0.362}, {0.95, 0.3}, {0.95, 0.3}},
		pillars: []float64{0.58, 0.78}, wheels: [2]float64{0.17, 0.81}, radius: 0.08, length: 0.62, belt: 0.27, lamp: 0.215,
	},
	"hatch": {
		body: []pt{{0.015, 0.05}, {0.0, 0.11}, {0.015, 0.185}, {0.07, 0.21}, {0.25, 0.235}, {0.32, 0.25}, {0.45, 0.36}, {0.52, 0.37},
			{0.78, 0.36}, {0.9, 0.325}, {0.965, 0.255}, {0.99, 0.17}, {0.98, 0.05}, {0.98, 0.05}, {0.015, 0.05}, {0.015, 0.05}},
		glass:   []pt{{0.335, 0.255}, {0.335, 0.255}, {0.45, 0.347}, {0.52, 0.356}, {0.775, 0.347}, {0.88, 0.315}, {0.905, 0.265}, {0.905, 0.265}},
		pillars: []float64{0.6}, wheels: [2]float64{0.17, 0.82}, radius: 0.072, length: 0.58, belt: 0.235, lamp: 0.175,
	},
	"coupe": {
		body: []pt{{0.015, 0.045}, {0.0, 0.085}, {0.02, 0.14}, {0.1, 0.165}, {0.33, 0.19}, {0.42, 0.205}, {0.53, 0.285}, {0.58, 0.29},
			{0.68, 0.28}, {0.86, 0.215}, {0.975, 0.195}, {1.0, 0.15}, {0.99, 0.08}, {0.975, 0.045}, {0.975, 0.045}, {0.015, 0.045}, {0.015, 0.045}},
		glass:   []pt{{0.44, 0.21}, {0.44, 0.21}, {0.53, 0.275}, {0.58, 0.28}, {0.67, 0.272}, {0.78, 0.228}, {0.78, 0.228}},
		pillars: []float64{0.64}, wheels: [2]float64{0.18, 0.8}, radius: 0.07, length: 0.66, belt: 0.175, lamp: 0.13,
	},
	"wagon": {
		body: []pt{{0.015, 0.05}, {0.0, 0.10}, {0.01, 0.165}, {0.06, 0.19}, {0.28, 0.215}, {0.36, 0.228}, {0.47, 0.325}, {0.53, 0.337},
			{0.88, 0.332}, {0.965, 0.305}, {0.99, 0.23}, {0.997, 0.10}, {0.975, 0.05}, {0.975, 0.05}, {0.015, 0.05}, {0.015, 0.05}},
		glass:   []pt{{0.38, 0.232}, {0.38, 0.232}, {0.475, 0.318}, {0.53, 0.326}, {0.87, 0.321}, {0.93, 0.292}, {0.94, 0.245}, {0.94, 0.245}},
		pillars: []float64{0.575, 0.77}, wheels: [2]float64{0.175, 0.8}, radius: 0.07, length: 0.66, belt: 0.205, lamp: 0.165,
	},
	"pickup": {
		body: []pt{{0.01, 0.075}, {0.0, 0.15}, {0.01, 0.255}, {0.04, 0.285}, {0.24, 0.3}, {0.29, 0.31}, {0.36, 0.425}, {0.4, 0.435},
			{0.565, 0.435}, {0.58, 0.415}, {0.58, 0.3}, {0.58, 0.3}, {0.99, 0.295}, {0.99, 0.295}, {1.0, 0.25}, {0.995, 0.10}, {0.98, 0.075}, {0.98, 0.075},
			{0.01, 0.075}, {0.01, 0.075}},
		glass:   []pt{{0.3, 0.315}, {0.3, 0.315}, {0.365, 0.41}, {0.4, 0.42}, {0.555, 0.42}, {0.56, 0.315}, {0.56, 0.315}},
		pillars: []float64{0.47}, wheels: [2]float64{0.165, 0.8}, radius: 0.085, length: 0.68, belt: 0.28, lamp: 0.22,
	},
	"van": {
		body: []pt{{0.01, 0.065}, {0.0, 0.14}, {0.02, 0.24}, {0.1, 0.275}, {0.16, 0.33}, {0.25, 0.46}, {0.3, 0.47}, {0.97, 0.47},
			{0.995, 0.445}, {1.0, 0.08}, {0.98, 0.065}, {0.98, 0.065}, {0.01, 0.065}, {0.01, 0.065}},
		glass:   []pt{{0.17, 0.34}, {0.17, 0.34}, {0.255, 0.445}, {0.3, 0.452}, {0.46, 0.452}, {0.46, 0.33}, {0.46, 0.33}},
		pillars: []float64{}, wheels: [2]float64{0.16, 0.82}, radius: 0.075, length: 0.64, belt: 0.32, lamp: 0.2,
	},
	"race": {
		body: []pt{{0.0, 0.045}, {0.0, 0.09}, {0.05, 0.12}, {0.3, 0.17}, {0.42, 0.185}, {0.5, 0.25}, {0.56, 0.262}, {0.64, 0.245},
			{0.75, 0.195}, {0.9, 0.185}, {0.93, 0.24}, {0.93, 0.24}, {1.0, 0.245}, {1.0, 0.245}, {1.0, 0.1}, {0.98, 0.045}, {0.98, 0.045},
			{0.0, 0.045}, {0.0, 0.045}},
		glass:   []pt{{0.5, 0.192}, {0.5, 0.192}, {0.54, 0.245}, {0.58, 0.25}, {0.64, 0.236}, {0.7, 0.196}, {0.7, 0.196}},
		pillars: []float64{}, wheels: [2]float64{0.16, 0.81}, radius: 0.072, length: 0.68, belt: 0.15, lamp: 0.1,
	},
}

// paintCar paints p on a w×h picture.
func paintCar(p carPic, w, h int) *image.RGBA {
	c := newCanvas(w, h)
	sh, ok := shapes[p.Style]
	if !ok {
		sh = shapes["sedan"]
	}
	W, H := c.w, c.h
	ground := H * 0.8
	if p.Scene == "studio" || p.Scene == "show" {
		ground = H * 0.78
	}
	paintScene(c, p, ground)

	L := W * sh.length
	x0 := (W - L) / 2
	at := func(u, v float64) pt {
		if p.Right {
			u = 1 - u
		}
		return pt{x0 + u*L, ground - v*L}
	}
	paint := hex(p.Paint)
	light := mix(paint, white, 0.35)
	dark := mix(paint, black, 0.45)

	// The shadow under the car.
	c.ellipse(color.NRGBA{0, 0, 0, 90}, W/2, ground+L*0.004, L*0.54, L*0.03)
	c.ellipse(color.NRGBA{0, 0, 0, 110}, W/2, ground, L*0.46, L*0.014)

	// The body, lighter at the shoulder and darker at the sill.
	var body []pt
	for _, q := range sh.body {
		body = append(body, at(q.x, q.y))
	}
	top := ground - L*0.47
	c.smooth(vgrad{ys: []float64{top, ground - L*sh.belt - L*0.01, ground - L*sh.belt + L*0.02, ground - L*0.06, ground},
		cols: []color.RGBA{light, mix(paint, white, 0.18), paint, mix(paint, black, 0.2), dark}}, body)

	// A line of light along the shoulder.
	beltStart, beltEnd := 0.1, 0.95
	if p.Style == "pickup" {
		beltEnd = 0.985
	}
	c.poly(alpha(white, 0.28), at(beltStart, sh.belt-0.016), at(beltEnd, sh.belt-0.026), at(beltEnd, sh.belt-0.031), at(beltStart, sh.belt-0.022))
	c.poly(alpha(dark, 0.5), at(beltStart+0.03, sh.belt-0.045), at(beltEnd-0.03, sh.belt-0.05), at(beltEnd-0.03, sh.belt-0.053), at(beltStart+0.03, sh.belt-0.048))

	// Glass, with a pale streak of reflection.
	var glass []pt
	for _, q := range sh.glass {
		glass = append(glass, at(q.x, q.y))
	}
	gTop, gBot := ground-L*0.46, ground-L*(sh.belt-0.02)
	c.smooth(vgrad{ys: []float64{gTop, gBot}, cols: []color.RGBA{hex("#8fa4b8"), hex("#1c2430")}}, glass)
	if len(sh.glass) > 3 {
		a, b := sh.glass[2], sh.glass[len(sh.glass)-2]
		mid := (a.x + b.x) / 2
		g0 := sh.glass[0].y + 0.01
		c.poly(alpha(white, 0.16), at(mid-0.06, a.y-0.006), at(mid-0.01, a.y-0.006), at(mid-0.01-(a.y-g0)*0.6, g0), at(mid-0.06-(a.y-g0)*0.6, g0))
	}
	for _, u := range sh.pillars {
		t := glassTop(sh.glass, u) + 0.004
		c.poly(dark, at(u-0.008, sh.belt+0.01), at(u+0.008, sh.belt+0.01), at(u+0.008, t), at(u-0.008, t))
	}

	// Doors, handles, mirror.
	for _, u := range sh.pillars {
		c.poly(alpha(dark, 0.7), at(u-0.002, sh.belt), at(u+0.002, sh.belt), at(u+0.004, 0.08), at(u, 0.08))
		c.poly(alpha(dark, 0.8), at(u+0.03, sh.belt-0.03), at(u+0.065, sh.belt-0.03), at(u+0.065, sh.belt-0.037), at(u+0.03, sh.belt-0.037))
	}
	if len(sh.glass) > 2 && p.Style != "race" {
		m := sh.glass[0]
		c.smooth(image.NewUniform(mix(paint, black, 0.25)), []pt{at(m.x+0.01, m.y+0.002), at(m.x+0.045, m.y+0.008), at(m.x+0.05, m.y+0.03), at(m.x+0.02, m.y+0.035)})
	}

	// Lamps: white at the front, red at the back.
	c.smooth(image.NewUniform(hex("#fff6d8")), []pt{at(0.004, sh.lamp+0.005), at(0.06, sh.lamp+0.012), at(0.075, sh.lamp-0.004), at(0.01, sh.lamp-0.018)})
	c.glow(hex("#fffbe8"), at(0.02, sh.lamp).x, at(0.02, sh.lamp).y, L*0.05, 0.35)
	rear := sh.lamp + 0.03
	if p.Style == "pickup" {
		rear = 0.24
	}
	c.smooth(image.NewUniform(hex("#c0161f")), []pt{at(0.965, rear+0.012), at(0.996, rear+0.01), at(0.998, rear-0.025), at(0.97, rear-0.02)})

	// Race livery: a stripe and a number.
	if p.Style == "race" {
		c.poly(alpha(white, 0.9), at(0.05, 0.105), at(0.95, 0.14), at(0.95, 0.16), at(0.05, 0.125))
		cx := at(0.36, 0.11)
		c.ellipse(white, cx.x, cx.y, L*0.045, L*0.045)
		size := L * 0.055
		tw := textWidth(p.Number, size)
		c.text(p.Number, cx.x-tw/2, cx.y+size*0.36, size, hex("#111111"))
	}

	// Wheels.
	sill := 1.0
	for _, q := range sh.body {
		sill = math.Min(sill, q.y)
	}
	for _, u := range sh.wheels {
		wheel(c, at(u, sh.radius), L*sh.radius, ground-L*sill, dark, p.Style == "race")
	}
	return c.img
}

// glassTop is the height of the glass's upper edge at u.
func glassTop(g []pt, u float64) float64 {
	top := 0.0
	for i := 1; i < len(g); i++ {
		a, b := g[i-1], g[i]
		if a.x <= u && u <= b.x && b.x > a.x {
			top = math.Max(top, a.y+(b.y-a.y)*(u-a.x)/(b.x-a.x))
		}
	}
	return top
}

// wheel paints a tyre with its arch, rim and spokes.
func wheel(c *canvas, ctr pt, r, sill float64, dark color.RGBA, race bool) {
	// The arch: a dark half-disc over the wheel, down to the sill.
	var arch []pt
	for a := 0.0; a <= math.Pi+1e-9; a += math.Pi / 24 {
		arch = append(arch, pt{ctr.x + math.Cos(a)*r*1.12, ctr.y - math.Sin(a)*r*1.12})
	}
	arch = append(arch, pt{ctr.x - r*1.12, sill}, pt{ctr.x + r*1.12, sill})
	c.poly(mix(dark, black, 0.6), arch...)
	c.ellipse(hex("#141517"), ctr.x, ctr.y, r, r)
	c.ellipse(hex("#26282c"), ctr.x, ctr.y, r*0.9, r*0.9)
	rim := hex("#c9ced4")
	if race {
		rim = hex("#3a3d42")
	}
	c.ellipse(rim, ctr.x, ctr.y, r*0.66, r*0.66)
	// Five openings between the spokes.
	for k := 0; k < 5; k++ {
		a0 := float64(k)*2*math.Pi/5 + 0.22
		a1 := a0 + 2*math.Pi/5 - 0.44
		pts := []pt{{ctr.x + math.Cos(a0)*r*0.2, ctr.y + math.Sin(a0)*r*0.2}}
		for a := a0; a <= a1+1e-9; a += (a1 - a0) / 6 {
			pts = append(pts, pt{ctr.x + math.Cos(a)*r*0.58, ctr.y + math.Sin(a)*r*0.58})
		}
		pts = append(pts, pt{ctr.x + math.Cos(a1)*r*0.2, ctr.y + math.Sin(a1)*r*0.2})
		c.poly(hex("#2d3036"), pts...)
	}
	c.ellipse(mix(rim, black, 0.25), ctr.x, ctr.y, r*0.14, r*0.14)
	c.glow(white, ctr.x-r*0.25, ctr.y-r*0.3, r*0.5, 0.25)
}

// paintScene paints the setting: sky, ground and what stands on it.
func paintScene(c *canvas, p carPic, ground float64) {
	sc := &scene{canvas: c, p: p, W: c.w, H: c.h, ground: ground, horizon: int(c.h * 0.58), rnd: newRng(p.Style + p.Paint + p.Scene)}
	paint, ok := scenes[p.Scene]
	if !ok {
		paint = (*scene).road // by day, dusk or dawn
	}
	paint(sc)
}

// scene is a setting being painted, with the strokes settings share.
type scene struct {
	*canvas
	p            carPic
	W, H, ground float64
	horizon      int
	rnd          *rng
}

// scenes paint each setting but the road's.
var scenes = map[string]func(*scene){
	"studio": (*scene).studio, "show": (*scene).show, "city": (*scene).city, "track": (*scene).track, "nighttrack": (*scene).track,
	"factory": (*scene).factory, "winter": (*scene).winter, "lab": (*scene).lab,
}

func (s *scene) sky(top, bottom string) { s.vgradient(0, s.horizon, hex(top), hex(bottom)) }

func (s *scene) hills(col color.RGBA, base, amp float64, phase float64) {
	W, H := s.W, s.H
	pts := []pt{{0, H}}
	for x := 0.0; x <= W; x += W / 48 {
		y := base - amp*(0.6+0.4*math.Sin(x/W*5.1+phase)+0.3*math.Sin(x/W*13.7+phase*2))
		pts = append(pts, pt{x, y})
	}
	pts = append(pts, pt{W, H})
	s.poly(col, pts...)
}

func (s *scene) roadway(asphalt, line string, dashed bool) {
	W, H := s.W, s.H
	top := s.ground - H*0.09
	s.vgradient(int(top), int(H), hex(asphalt), mix(hex(asphalt), black, 0.35))
	s.rect(alpha(hex(line), 0.8), 0, top+H*0.006, W, top+H*0.012)
	if dashed {
		y := s.ground + H*0.075
		for x := -s.rnd.float() * 80; x < W; x += W / 8 {
			s.rect(alpha(hex(line), 0.85), x, y, x+W/16, y+H*0.012)
		}
	}
}

func (s *scene) skyline(col color.RGBA, lit bool) {
	W, H, horizon := s.W, s.H, float64(s.horizon)
	x := 0.0
	for x < W {
		bw := s.rnd.between(W*0.04, W*0.09)
		bh := s.rnd.between(H*0.12, H*0.38)
		y := horizon - bh
		s.rect(col, x, y, x+bw-2, horizon+2)
		if lit {
			for wy := y + 8; wy < horizon-8; wy += H * 0.03 {
				for wx := x + 6; wx < x+bw-10; wx += W * 0.012 {
					if s.rnd.float() < 0.35 {
						s.rect(alpha(hex("#ffd98a"), 0.85), wx, wy, wx+W*0.005, wy+H*0.01)
					}
				}
			}
		}
		x += bw
	}
}

func (s *scene) studio() {
	W, H, ground := s.W, s.H, s.ground
	s.vgradient(0, int(ground), hex("#f1f3f5"), hex("#c9cfd6"))
	s.vgradient(int(ground), int(H), hex("#c3c9d0"), hex("#e4e8ec"))
	s.glow(mix(hex(s.p.Paint), white, 0.6), W/2, ground-H*0.2, W*0.45, 0.35)
}

func (s *scene) show() {
	W, H, ground := s.W, s.H, s.ground
	s.vgradient(0, int(H), hex("#121419"), hex("#2a2f38"))
	for i := 0; i < 4; i++ {
		x := W * (0.15 + 0.23*float64(i))
		s.poly(alpha(white, 0.06), pt{x - 8, 0}, pt{x + 8, 0}, pt{x + W*0.12, ground}, pt{x - W*0.12, ground})
		s.ellipse(alpha(hex("#fffbe6"), 0.9), x, 6, 14, 6)
	}
	s.rect(alpha(hex(s.p.Paint), 0.5), 0, H*0.16, W, H*0.175)
	label := "INTERNATIONAL MOTOR SHOW"
	size := H * 0.045
	s.text(label, (W-textWidth(label, size))/2, H*0.12, size, alpha(white, 0.55))
	s.ellipse(hex("#3b414c"), W/2, ground+H*0.02, W*0.42, H*0.09)
	s.ellipse(hex("#4a515e"), W/2, ground+H*0.005, W*0.41, H*0.08)
	s.glow(hex("#ffffff"), W/2, ground-H*0.25, W*0.4, 0.18)
}

func (s *scene) city() {
	W, H, ground, horizon := s.W, s.H, s.ground, s.horizon
	s.sky("#0b1030", "#2d3a66")
	for i := 0; i < 60; i++ {
		x, y := s.rnd.between(0, W), s.rnd.between(0, float64(horizon)*0.6)
		s.rect(alpha(white, s.rnd.between(0.3, 0.8)), x, y, x+2, y+2)
	}
	s.skyline(hex("#161b33"), true)
	s.vgradient(horizon, int(H), hex("#1b1f2e"), hex("#0d0f16"))
	s.roadway("#262a35", "#e8e2c8", true)
	for x := W * 0.1; x < W; x += W * 0.28 {
		s.rect(hex("#3a3f4b"), x, float64(horizon)-H*0.22, x+4, ground-H*0.09)
		s.glow(hex("#ffd27a"), x+2, float64(horizon)-H*0.22, H*0.12, 0.5)
	}
}

// track is a circuit by day or by night: a grandstand, kerbs.
func (s *scene) track() {
	W, H, ground := s.W, s.H, s.ground
	night := s.p.Scene == "nighttrack"
	if night {
		s.sky("#070b1c", "#233055")
	} else {
		s.sky("#3f86cf", "#cfe6f6")
	}
	// The grandstand: a roof, rows of spectators.
	gs := float64(s.horizon)
	s.rect(hex("#5b6170"), 0, gs-H*0.26, W, gs-H*0.24)
	s.rect(hex("#2c313c"), 0, gs-H*0.24, W, gs)
	for y := gs - H*0.22; y < gs-6; y += H * 0.025 {
		for x := s.rnd.float() * 6; x < W; x += W * 0.009 {
			cols := []string{"#d94a3d", "#f2c14e", "#e8e8e8", "#3d7ad9", "#4caf6a", "#8a8f99"}
			s.rect(alpha(hex(cols[int(s.rnd.float()*6)]), 0.75), x, y, x+W*0.005, y+H*0.012)
		}
	}
	s.rect(hex("#d8dde3"), 0, gs, W, gs+H*0.03)
	if night {
		for x := W * 0.1; x < W; x += W * 0.4 {
			s.glow(hex("#fff6d6"), x, gs-H*0.3, H*0.25, 0.6)
		}
	}
	s.roadway("#3b3e45", "#ffffff", false)
	top := ground - H*0.09
	for x := 0.0; x < W; x += W / 24 {
		col := "#d62828"
		if int(x/(W/24))%2 == 1 {
			col = "#f5f5f5"
		}
		s.rect(hex(col), x, top-H*0.02, x+W/24, top)
	}
}

func (s *scene) factory() {
	W, H, ground, horizon := s.W, s.H, s.ground, float64(s.horizon)
	s.sky("#7fa7c9", "#dfe9f0")
	s.hills(hex("#a9b7c2"), horizon, H*0.05, 1.3)
	fx := W * 0.08
	s.rect(hex("#8a8f96"), fx, horizon-H*0.2, W*0.92, horizon+4)
	for x := fx; x < W*0.92; x += W * 0.06 {
		s.poly(hex("#a2a7ae"), pt{x, horizon - H*0.2}, pt{x + W*0.06, horizon - H*0.2}, pt{x + W*0.06, horizon - H*0.27})
		s.rect(alpha(hex("#cfe3f2"), 0.8), x+W*0.045, horizon-H*0.26, x+W*0.055, horizon-H*0.205)
	}
	s.rect(hex("#6d737b"), W*0.78, horizon-H*0.42, W*0.81, horizon-H*0.2)
	for x := fx + W*0.03; x < W*0.9; x += W * 0.05 {
		s.rect(hex("#5a6068"), x, horizon-H*0.12, x+W*0.03, horizon-H*0.07)
	}
	s.vgradient(s.horizon, int(H), hex("#9aa0a8"), hex("#6f757d"))
	for x := W * 0.05; x < W; x += W * 0.12 {
		s.poly(alpha(white, 0.7), pt{x, ground + H*0.03}, pt{x + 4, ground + H*0.03}, pt{x + 30, H}, pt{x + 24, H})
	}
}

func (s *scene) winter() {
	W, H, horizon := s.W, s.H, float64(s.horizon)
	s.sky("#8e9fb3", "#dde6ee")
	s.hills(hex("#c4d1dc"), horizon+4, H*0.08, 0.4)
	for i := 0; i < 14; i++ {
		x := s.rnd.between(0, W)
		size := s.rnd.between(H*0.08, H*0.16)
		b := horizon + s.rnd.between(0, H*0.04)
		s.poly(hex("#2f4a3f"), pt{x, b - size}, pt{x + size*0.35, b}, pt{x - size*0.35, b})
		s.poly(alpha(white, 0.8), pt{x, b - size}, pt{x + size*0.12, b - size*0.62}, pt{x - size*0.12, b - size*0.62})
	}
	s.vgradient(s.horizon+int(H*0.04), int(H), hex("#f4f7fa"), hex("#d7e0e8"))
	s.roadway("#5d646d", "#f0f0f0", true)
	for i := 0; i < 160; i++ {
		s.ellipse(alpha(white, 0.85), s.rnd.between(0, W), s.rnd.between(0, H), H*0.004, H*0.004)
	}
}

func (s *scene) lab() {
	W, H, ground := s.W, s.H, s.ground
	s.vgradient(0, int(ground), hex("#d9dde2"), hex("#b9bfc7"))
	for y := H * 0.12; y < ground-H*0.1; y += H * 0.18 {
		for x := W * 0.05; x < W; x += W * 0.18 {
			s.rect(hex("#f2c230"), x, y, x+H*0.08, y+H*0.08)
			s.rect(hex("#1a1a1a"), x, y, x+H*0.04, y+H*0.04)
			s.rect(hex("#1a1a1a"), x+H*0.04, y+H*0.04, x+H*0.08, y+H*0.08)
		}
	}
	s.vgradient(int(ground-H*0.06), int(H), hex("#8d939b"), hex("#5c6168"))
	s.rect(hex("#f2c230"), 0, ground+H*0.06, W, ground+H*0.075)
	bx := W * 0.02
	if s.p.Right {
		bx = W * 0.9
	}
	s.rect(hex("#41464e"), bx, ground-H*0.3, bx+W*0.08, ground+H*0.02)
	for y := ground - H*0.3; y < ground; y += H * 0.06 {
		s.rect(hex("#f2c230"), bx, y, bx+W*0.08, y+H*0.02)
	}
	s.glow(white, W/2, H*0.05, W*0.5, 0.3)
}

// road is the open road by day, at dusk or at dawn.
func (s *scene) road() {
	W, H, horizon := s.W, s.H, float64(s.horizon)
	switch s.p.Scene {
	case "dusk":
		s.sky("#2c2a5a", "#f39a62")
		s.glow(hex("#ffd27a"), W*0.72, horizon, H*0.5, 0.7)
		s.hills(hex("#4b3d5e"), horizon+2, H*0.1, 0.8)
		s.hills(hex("#2e2840"), horizon+6, H*0.05, 2.1)
		s.vgradient(s.horizon+int(H*0.03), int(H), hex("#3b3346"), hex("#1f1b26"))
		s.roadway("#2f2c35", "#f5e6c8", true)
	case "dawn":
		s.sky("#6f8fc0", "#f6d7b0")
		s.glow(hex("#fff0c8"), W*0.25, horizon, H*0.45, 0.6)
		s.hills(hex("#8b9bb5"), horizon+2, H*0.12, 2.4)
		s.hills(hex("#5d7390"), horizon+6, H*0.06, 0.3)
		s.vgradient(s.horizon+int(H*0.03), int(H), hex("#6b7a62"), hex("#3f4a3a"))
		s.roadway("#4a4d55", "#f5f0dc", true)
	default:
		s.sky("#3f86cf", "#d5eaf7")
		for i := 0; i < 3; i++ {
			cx, cy := s.rnd.between(0, W), s.rnd.between(H*0.08, H*0.3)
			for k := 0; k < 4; k++ {
				s.ellipse(alpha(white, 0.85), cx+float64(k)*H*0.06, cy+s.rnd.between(-8, 8), H*0.07, H*0.04)
			}
		}
		s.hills(hex("#7fa08a"), horizon+2, H*0.11, 1.7)
		s.hills(hex("#5b8466"), horizon+6, H*0.06, 0.5)
		s.vgradient(s.horizon+int(H*0.03), int(H), hex("#6d9a5c"), hex("#4d7a40"))
		s.roadway("#55585f", "#fafafa", true)
	}
}
