package picture

import (
	"image"

	xdraw "golang.org/x/image/draw"
)

// maxKernelBuffer bounds the buffer of the Catmull-Rom scaler: x/image/draw
// keeps 32 bytes per destination column and source row (358 MB for 1600
// columns from a source 7000 pixels tall), so a larger job is first
// shrunk by averaging blocks of pixels, and scaled bilinearly if that is
// still too much.
const maxKernelBuffer = 16 << 20

// Scale draws the sr part of src into all of dst. A source more than twice
// the size of dst is first shrunk by a whole factor, each pixel the average
// of a block (the best filter for shrinking, and cheap), then scaled to the
// exact size.
func Scale(dst *image.RGBA, src image.Image, sr image.Rectangle, op xdraw.Op) {
	dw, dh := dst.Bounds().Dx(), dst.Bounds().Dy()
	if k := shrinkFactor(sr.Dx(), sr.Dy(), dw, dh); k > 1 {
		src, sr = shrink(src, sr, k), image.Rect(0, 0, sr.Dx()/k, sr.Dy()/k)
	}
	var scaler xdraw.Scaler = xdraw.CatmullRom
	if 32*int64(dw)*int64(sr.Dy()) > maxKernelBuffer {
		scaler = xdraw.ApproxBiLinear
	}
	scaler.Scale(dst, dst.Bounds(), src, sr, op, nil)
}

func shrinkFactor(sw, sh, dw, dh int) int {
	return max(1, min(sw/max(dw, 1), sh/max(dh, 1)))
}

// scaleMemory is what Scale allocates besides its source and destination
// (counted too, with room for encoding it), from above.
func scaleMemory(sw, sh, dw, dh int) int64 {
	mem := 2 * 4 * int64(dw) * int64(dh)
	if k := shrinkFactor(sw, sh, dw, dh); k > 1 {
		mem += 4 * int64(sw/k) * int64(sh/k)
		sh /= k
	}
	if kb := 32 * int64(dw) * int64(sh); kb <= maxKernelBuffer {
		mem += kb
	}
	return mem + 1<<20
}

// shrink averages k×k blocks of src's sr (premultiplied, as RGBA64At
// gives them) into a new image.
func shrink(src image.Image, sr image.Rectangle, k int) *image.RGBA {
	w, h := sr.Dx()/k, sr.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	at, fast := src.(image.RGBA64Image)
	sums := make([][4]uint64, w)
	n := uint64(k * k)
	for y := 0; y < h; y++ {
		clear(sums)
		for yy := 0; yy < k; yy++ {
			sy := sr.Min.Y + y*k + yy
			for x := 0; x < w; x++ {
				s := &sums[x]
				for xx := 0; xx < k; xx++ {
					sx := sr.Min.X + x*k + xx
					var r, g, b, a uint32
					if fast {
						c := at.RGBA64At(sx, sy)
						r, g, b, a = uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
					} else {
						r, g, b, a = src.At(sx, sy).RGBA()
					}
					s[0] += uint64(r)
					s[1] += uint64(g)
					s[2] += uint64(b)
					s[3] += uint64(a)
				}
			}
		}
		row := out.Pix[y*out.Stride:]
		for x, s := range sums {
			row[4*x] = uint8(s[0] / n >> 8)
			row[4*x+1] = uint8(s[1] / n >> 8)
			row[4*x+2] = uint8(s[2] / n >> 8)
			row[4*x+3] = uint8(s[3] / n >> 8)
		}
	}
	return out
}
