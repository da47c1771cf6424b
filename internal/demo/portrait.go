package demo

import (
	"image"
	"image/color"
)

// portrait describes a staff member's drawn portrait.
type portrait struct {
	Skin, Hair, Jacket, Backdrop string
	Hair2                        string // long, short, bun, crop, bald
	Glasses                      bool
}

// paintPortrait paints a head-and-shoulders portrait, size×size.
func paintPortrait(p portrait, size int) *image.RGBA {
	c := newCanvas(size, size)
	S := c.w
	bg := hex(p.Backdrop)
	c.vgradient(0, size, mix(bg, white, 0.25), mix(bg, black, 0.15))
	c.glow(white, S*0.5, S*0.35, S*0.6, 0.25)
	skin, hair, jacket := hex(p.Skin), hex(p.Hair), hex(p.Jacket)
	shade := mix(skin, black, 0.18)

	// Long hair falls behind the shoulders.
	if p.Hair2 == "long" {
		c.smooth(image.NewUniform(hair), []pt{{S * 0.27, S * 0.4}, {S * 0.3, S * 0.2}, {S * 0.5, S * 0.13}, {S * 0.7, S * 0.2}, {S * 0.73, S * 0.4},
			{S * 0.76, S * 0.72}, {S * 0.5, S * 0.76}, {S * 0.24, S * 0.72}})
	}
	// Shoulders and jacket, a shirt's V, the neck.
	c.smooth(image.NewUniform(jacket), []pt{{S * 0.06, S * 1.02}, {S * 0.1, S * 0.8}, {S * 0.3, S * 0.69}, {S * 0.5, S * 0.67}, {S * 0.7, S * 0.69},
		{S * 0.9, S * 0.8}, {S * 0.94, S * 1.02}})
	c.poly(hex("#f4f4f2"), pt{S * 0.4, S * 0.69}, pt{S * 0.6, S * 0.69}, pt{S * 0.5, S * 0.86})
	c.poly(shade, pt{S * 0.43, S * 0.56}, pt{S * 0.57, S * 0.56}, pt{S * 0.575, S * 0.7}, pt{S * 0.5, S * 0.77}, pt{S * 0.425, S * 0.7})
	c.poly(mix(jacket, black, 0.25), pt{S * 0.38, S * 0.69}, pt{S * 0.5, S * 0.86}, pt{S * 0.44, S * 0.9}, pt{S * 0.33, S * 0.72})
	c.poly(mix(jacket, black, 0.25), pt{S * 0.62, S * 0.69}, pt{S * 0.5, S * 0.86}, pt{S * 0.56, S * 0.9}, pt{S * 0.67, S * 0.72})
	// Ears and head.
	c.ellipse(shade, S*0.335, S*0.43, S*0.035, S*0.055)
	c.ellipse(shade, S*0.665, S*0.43, S*0.035, S*0.055)
	c.smooth(image.NewUniform(skin), []pt{{S * 0.5, S * 0.2}, {S * 0.65, S * 0.26}, {S * 0.665, S * 0.45}, {S * 0.6, S * 0.58}, {S * 0.5, S * 0.62},
		{S * 0.4, S * 0.58}, {S * 0.335, S * 0.45}, {S * 0.35, S * 0.26}})
	c.glow(mix(skin, white, 0.5), S*0.45, S*0.36, S*0.14, 0.35)
	// Hair on top.
	switch p.Hair2 {
	case "long", "bun":
		c.smooth(image.NewUniform(hair), []pt{{S * 0.32, S * 0.42}, {S * 0.33, S * 0.24}, {S * 0.5, S * 0.155}, {S * 0.67, S * 0.24}, {S * 0.68, S * 0.42},
			{S * 0.64, S * 0.3}, {S * 0.52, S * 0.25}, {S * 0.4, S * 0.29}})
		if p.Hair2 == "bun" {
			c.ellipse(hair, S*0.5, S*0.14, S*0.08, S*0.065)
		}
	case "short":
		c.smooth(image.NewUniform(hair), []pt{{S * 0.335, S * 0.38}, {S * 0.34, S * 0.24}, {S * 0.5, S * 0.17}, {S * 0.66, S * 0.24}, {S * 0.665, S * 0.38},
			{S * 0.64, S * 0.29}, {S * 0.5, S * 0.26}, {S * 0.36, S * 0.29}})
	case "crop":
		c.smooth(image.NewUniform(hair), []pt{{S * 0.34, S * 0.33}, {S * 0.36, S * 0.22}, {S * 0.5, S * 0.185}, {S * 0.64, S * 0.22}, {S * 0.66, S * 0.33},
			{S * 0.62, S * 0.26}, {S * 0.5, S * 0.24}, {S * 0.38, S * 0.26}})
	case "bald":
		c.poly(hair, pt{S * 0.335, S * 0.34}, pt{S * 0.36, S * 0.34}, pt{S * 0.36, S * 0.44}, pt{S * 0.338, S * 0.44})
		c.poly(hair, pt{S * 0.665, S * 0.34}, pt{S * 0.64, S * 0.34}, pt{S * 0.64, S * 0.44}, pt{S * 0.662, S * 0.44})
	}
	// A calm face: brows, eyes, nose, smile.
	ink := hex("#2b2220")
	c.poly(mix(hair, black, 0.2), pt{S * 0.4, S * 0.375}, pt{S * 0.465, S * 0.37}, pt{S * 0.465, S * 0.38}, pt{S * 0.4, S * 0.385})
	c.poly(mix(hair, black, 0.2), pt{S * 0.535, S * 0.37}, pt{S * 0.6, S * 0.375}, pt{S * 0.6, S * 0.385}, pt{S * 0.535, S * 0.38})
	c.ellipse(ink, S*0.435, S*0.415, S*0.016, S*0.013)
	c.ellipse(ink, S*0.565, S*0.415, S*0.016, S*0.013)
	c.poly(shade, pt{S * 0.5, S * 0.43}, pt{S * 0.515, S * 0.49}, pt{S * 0.49, S * 0.495})
	c.smooth(image.NewUniform(hex("#9c4a44")), []pt{{S * 0.445, S * 0.53}, {S * 0.5, S * 0.545}, {S * 0.555, S * 0.53}, {S * 0.5, S * 0.56}})
	if p.Glasses {
		for _, x := range []float64{0.435, 0.565} {
			c.ellipse(color.NRGBA{30, 30, 30, 230}, S*x, S*0.415, S*0.05, S*0.04)
			c.ellipse(mix(skin, white, 0.15), S*x, S*0.415, S*0.042, S*0.032)
			c.ellipse(ink, S*x, S*0.415, S*0.016, S*0.013)
		}
		c.rect(color.NRGBA{30, 30, 30, 230}, S*0.485, S*0.41, S*0.515, S*0.418)
	}
	return c.img
}
