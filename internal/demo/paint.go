package demo

import (
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The demo's pictures are painted here, by code: stylised cars in a
// setting (a road, an auto show, a test lab ...) and portraits of the
// staff. No photograph is downloaded or shipped.

// pt is a point in picture coordinates.
type pt struct{ x, y float64 }

// canvas paints anti-aliased shapes on an RGBA image.
type canvas struct {
	img  *image.RGBA
	w, h float64
	r    *vector.Rasterizer
}

func newCanvas(w, h int) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), w: float64(w), h: float64(h), r: vector.NewRasterizer(w, h)}
}

// outline is a closed outline being built: its operations and bounds. A
// shape is rasterized only over its bounds, so a small one costs little.
type outline struct {
	ops    []pathOp
	x0, y0 float64
	x1, y1 float64
}

type pathOp struct {
	cube bool
	pts  [3]pt
}

func (p *outline) grow(q pt) {
	if len(p.ops) == 0 && p.x0 == 0 && p.x1 == 0 {
		p.x0, p.y0, p.x1, p.y1 = q.x, q.y, q.x, q.y
	}
	p.x0, p.y0 = math.Min(p.x0, q.x), math.Min(p.y0, q.y)
	p.x1, p.y1 = math.Max(p.x1, q.x), math.Max(p.y1, q.y)
}

func (p *outline) move(q pt) { p.grow(q); p.ops = append(p.ops, pathOp{pts: [3]pt{q}}) }
func (p *outline) line(q pt) { p.grow(q); p.ops = append(p.ops, pathOp{pts: [3]pt{q}}) }
func (p *outline) cube(a, b, q pt) {
	p.grow(a)
	p.grow(b)
	p.grow(q)
	p.ops = append(p.ops, pathOp{cube: true, pts: [3]pt{a, b, q}})
}

// draw fills the path in src.
func (c *canvas) draw(p *outline, src image.Image) {
	r := image.Rect(int(math.Floor(p.x0)), int(math.Floor(p.y0)), int(math.Ceil(p.x1))+1, int(math.Ceil(p.y1))+1).Intersect(c.img.Bounds())
	if r.Empty() || len(p.ops) < 2 {
		return
	}
	c.r.Reset(r.Dx(), r.Dy())
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	f := func(q pt) (float32, float32) { return float32(q.x - ox), float32(q.y - oy) }
	for i, op := range p.ops {
		switch {
		case i == 0:
			c.r.MoveTo(f(op.pts[0]))
		case op.cube:
			ax, ay := f(op.pts[0])
			bx, by := f(op.pts[1])
			qx, qy := f(op.pts[2])
			c.r.CubeTo(ax, ay, bx, by, qx, qy)
		default:
			c.r.LineTo(f(op.pts[0]))
		}
	}
	c.r.ClosePath()
	g, ok := src.(vgrad)
	if !ok {
		c.r.Draw(c.img, r, src, r.Min)
		return
	}
	// A gradient: the shape's coverage as a mask, then one colour per row
	// (much faster than asking the gradient pixel by pixel).
	mask := image.NewAlpha(image.Rect(0, 0, r.Dx(), r.Dy()))
	c.r.DrawOp = draw.Src
	c.r.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	c.r.DrawOp = draw.Over
	c.blend(mask, r, g)
}

// blend paints the gradient g through mask over r.
//
// The pixel loops here and below skip the race detector's bookkeeping
// (they touch only the picture being painted, by one goroutine): under
// -race it made the demo's pictures ten times slower to paint.
//
//go:norace
func (c *canvas) blend(mask *image.Alpha, r image.Rectangle, g vgrad) {
	for y := 0; y < r.Dy(); y++ {
		col := g.row(float64(y + r.Min.Y))
		m := mask.Pix[y*mask.Stride : y*mask.Stride+r.Dx()]
		i := (y+r.Min.Y)*c.img.Stride + r.Min.X*4
		px := c.img.Pix[i : i+r.Dx()*4]
		for x, a := range m {
			if a == 0 {
				continue
			}
			k := uint32(a)
			q := px[x*4 : x*4+4 : x*4+4]
			q[0] = uint8((uint32(col.R)*k + uint32(q[0])*(255-k)) / 255)
			q[1] = uint8((uint32(col.G)*k + uint32(q[1])*(255-k)) / 255)
			q[2] = uint8((uint32(col.B)*k + uint32(q[2])*(255-k)) / 255)
			q[3] = uint8(min(255, uint32(q[3])+k))
		}
	}
}

// poly paints the closed path through pts (straight edges) in col.
func (c *canvas) poly(col color.Color, pts ...pt) {
	if len(pts) < 3 {
		return
	}
	var p outline
	p.move(pts[0])
	for _, q := range pts[1:] {
		p.line(q)
	}
	c.draw(&p, image.NewUniform(col))
}

// smooth paints the closed Catmull-Rom curve through pts in src (a colour
// or a gradient). A point given twice in a row makes a corner.
func (c *canvas) smooth(src image.Image, pts []pt) {
	n := len(pts)
	if n < 3 {
		return
	}
	var p outline
	p.move(pts[0])
	for i := 0; i < n; i++ {
		p0, p1, p2, p3 := pts[(i+n-1)%n], pts[i], pts[(i+1)%n], pts[(i+2)%n]
		if p1 == p2 {
			continue
		}
		c1 := pt{p1.x + (p2.x-p0.x)/6, p1.y + (p2.y-p0.y)/6}
		c2 := pt{p2.x - (p3.x-p1.x)/6, p2.y - (p3.y-p1.y)/6}
		if p0 == p1 {
			c1 = p1
		}
		if p2 == p3 {
			c2 = p2
		}
		p.cube(c1, c2, p2)
	}
	c.draw(&p, src)
}

// ellipse paints an ellipse centred on (cx, cy).
func (c *canvas) ellipse(col color.Color, cx, cy, rx, ry float64) {
	const k = 0.5522847498 // the cubic Bézier quarter-circle constant
	var p outline
	p.move(pt{cx + rx, cy})
	p.cube(pt{cx + rx, cy + k*ry}, pt{cx + k*rx, cy + ry}, pt{cx, cy + ry})
	p.cube(pt{cx - k*rx, cy + ry}, pt{cx - rx, cy + k*ry}, pt{cx - rx, cy})
	p.cube(pt{cx - rx, cy - k*ry}, pt{cx - k*rx, cy - ry}, pt{cx, cy - ry})
	p.cube(pt{cx + k*rx, cy - ry}, pt{cx + rx, cy - k*ry}, pt{cx + rx, cy})
	c.draw(&p, image.NewUniform(col))
}

// rect paints an axis-aligned rectangle (blended).
func (c *canvas) rect(col color.Color, x0, y0, x1, y1 float64) {
	c.poly(col, pt{x0, y0}, pt{x1, y0}, pt{x1, y1}, pt{x0, y1})
}

// vgradient fills rows y0..y1 with a vertical gradient from top to bottom.
//
//go:norace
func (c *canvas) vgradient(y0, y1 int, top, bottom color.RGBA) {
	b := c.img.Bounds()
	y0, y1 = max(y0, 0), min(y1, b.Dy())
	for y := y0; y < y1; y++ {
		t := 0.0
		if y1-y0 > 1 {
			t = float64(y-y0) / float64(y1-y0-1)
		}
		col := mix(top, bottom, t)
		row := c.img.Pix[y*c.img.Stride : y*c.img.Stride+b.Dx()*4]
		for x := 0; x < len(row); x += 4 {
			row[x], row[x+1], row[x+2], row[x+3] = col.R, col.G, col.B, 255
		}
	}
}

// glow adds a soft radial light (or shade) centred on (cx, cy).
//
//go:norace
func (c *canvas) glow(col color.RGBA, cx, cy, radius, strength float64) {
	b := c.img.Bounds()
	x0, x1 := max(int(cx-radius), 0), min(int(cx+radius)+1, b.Dx())
	y0, y1 := max(int(cy-radius), 0), min(int(cy+radius)+1, b.Dy())
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy) / radius
			if d >= 1 {
				continue
			}
			a := strength * (1 - d) * (1 - d)
			i := y*c.img.Stride + x*4
			p := c.img.Pix[i : i+3 : i+3]
			p[0] = uint8(float64(p[0])*(1-a) + float64(col.R)*a)
			p[1] = uint8(float64(p[1])*(1-a) + float64(col.G)*a)
			p[2] = uint8(float64(p[2])*(1-a) + float64(col.B)*a)
		}
	}
}

// text writes s with its left end at (x, baseline y) in the Go bold face.
func (c *canvas) text(s string, x, y, size float64, col color.Color) float64 {
	face := boldFace(size)
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face, Dot: fixed.P(int(x), int(y))}
	d.DrawString(s)
	return float64(d.Dot.X.Round()) - x
}

// textWidth measures s in the bold face at size.
func textWidth(s string, size float64) float64 {
	return float64(font.MeasureString(boldFace(size), s).Round())
}

var boldFont = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		panic(err) // the font is compiled in: it parses
	}
	return f
})

// boldFace returns a face of its own for one drawing: a face keeps a glyph
// buffer, so pictures painted at the same time must not share one. (The
// parsed font is shared; that is safe.)
func boldFace(size float64) font.Face {
	f, err := opentype.NewFace(boldFont(), &opentype.FaceOptions{Size: float64(int(size)), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(err) // the options are fixed: it cannot fail
	}
	return f
}

// Colours.

func hex(s string) color.RGBA {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

//go:norace
func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t + 0.5) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
}

func alpha(c color.RGBA, a float64) color.NRGBA {
	return color.NRGBA{c.R, c.G, c.B, uint8(a * 255)}
}

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)

// vgrad is a vertical gradient as an image source: stops at y positions.
type vgrad struct {
	ys   []float64
	cols []color.RGBA
}

func (g vgrad) ColorModel() color.Model { return color.RGBAModel }
func (g vgrad) Bounds() image.Rectangle {
	return image.Rect(-1e9, -1e9, 1e9, 1e9)
}
func (g vgrad) At(_, y int) color.Color { return g.row(float64(y)) }

//go:norace
func (g vgrad) row(fy float64) color.RGBA {
	if fy <= g.ys[0] {
		return g.cols[0]
	}
	for i := 1; i < len(g.ys); i++ {
		if fy <= g.ys[i] {
			return mix(g.cols[i-1], g.cols[i], (fy-g.ys[i-1])/(g.ys[i]-g.ys[i-1]))
		}
	}
	return g.cols[len(g.cols)-1]
}

// rng is a small deterministic random source, so a picture is the same
// every time it is painted.
type rng struct{ s uint64 }

func newRng(key string) *rng {
	h := fnv.New64a()
	h.Write([]byte(key))
	return &rng{s: h.Sum64() | 1}
}

func (r *rng) float() float64 {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return float64(r.s>>11) / float64(1<<53)
}

func (r *rng) between(a, b float64) float64 { return a + (b-a)*r.float() }
