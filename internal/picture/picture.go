// Package picture decodes uploaded images within bounds. A small file can
// describe a huge image (a 309 KB PNG of 6300×6300 16-bit pixels decodes
// to 300 MB), so a picture is judged by its header before it is decoded:
// its sides, its pixels and the memory its decoded form takes (which
// depends on the format: bytes per pixel, progressive JPEG coefficients,
// interlaced PNG passes). Decoding then reserves that memory from one
// budget shared by every upload of the process, and a request that cannot
// get its share in time is told the server is busy instead of waiting past
// its deadline.
package picture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders for uploads (GIF: the first frame only)
	_ "image/jpeg"
	_ "image/png"
	"time"

	_ "golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"

	"byline/internal/apperr"
)

// Limits bound one picture.
type Limits struct {
	MinSide   int   // pixels on the shorter side (0: any)
	MaxSide   int   // pixels on the longer side
	MaxPixels int   // width × height
	MaxMemory int64 // bytes that decoding and scaling it may take
	// Out is the largest picture the caller will Scale it into.
	Out func(w, h int) (dw, dh int)
}

// ErrFormat is a file that is not a JPEG, PNG, GIF or WebP image.
var ErrFormat = errors.New("picture: not a JPEG, PNG, GIF or WebP image")

// ErrDamaged is an image whose header reads but whose pixels do not.
var ErrDamaged = errors.New("picture: the image could not be read")

// TooLarge is a picture outside its Limits, with the reason in words.
type TooLarge struct {
	Width, Height int
	Reason        string
}

func (e *TooLarge) Error() string {
	return fmt.Sprintf("the picture is %d×%d pixels; %s", e.Width, e.Height, e.Reason)
}

// Info is what the header says.
type Info struct {
	Format        string
	Width, Height int
	Memory        int64 // bytes decoding and scaling it takes, estimated from above
}

// Inspect reads only the header of data and checks it against lim.
func Inspect(data []byte, lim Limits) (Info, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Info{}, ErrFormat
	}
	in := Info{Format: format, Width: cfg.Width, Height: cfg.Height}
	w, h := cfg.Width, cfg.Height
	switch {
	case w <= 0 || h <= 0:
		return in, ErrDamaged
	case lim.MinSide > 0 && min(w, h) < lim.MinSide:
		return in, &TooLarge{w, h, fmt.Sprintf("use one at least %d pixels on each side", lim.MinSide)}
	case w > lim.MaxSide || h > lim.MaxSide:
		return in, &TooLarge{w, h, fmt.Sprintf("use one at most %d pixels on a side", lim.MaxSide)}
	case int64(w)*int64(h) > int64(lim.MaxPixels):
		return in, &TooLarge{w, h, fmt.Sprintf("use one of at most %d megapixels", lim.MaxPixels/1_000_000)}
	}
	dw, dh := lim.Out(w, h)
	in.Memory = int64(float64(w)*float64(h)*bytesPerPixel(format, cfg.ColorModel, data)) + scaleMemory(w, h, dw, dh)
	if in.Memory > lim.MaxMemory {
		return in, &TooLarge{w, h, fmt.Sprintf("at this size and colour depth it would take %d MB to read; use a smaller one or save it with 8 bits per channel", in.Memory>>20)}
	}
	return in, nil
}

// bytesPerPixel is what the decoder allocates per pixel of the image, from
// above.
func bytesPerPixel(format string, m color.Model, data []byte) float64 {
	switch format {
	case "png":
		bpp := 4.0
		switch m {
		case color.GrayModel, color.AlphaModel:
			bpp = 1
		case color.Gray16Model, color.Alpha16Model:
			bpp = 2
		case color.RGBA64Model, color.NRGBA64Model:
			bpp = 8
		default:
			if _, ok := m.(color.Palette); ok {
				bpp = 1
			}
		}
		// Interlaced: each pass is decoded into an image of its own first.
		if len(data) > 28 && data[28] == 1 {
			bpp *= 2
		}
		return bpp
	case "jpeg":
		return jpegBytesPerPixel(data)
	case "gif":
		return 1
	default: // webp: lossless keeps ARGB words besides the NRGBA result
		return 12
	}
}

// jpegBytesPerPixel reads the frame header: the image keeps one byte per
// sample (chroma may be subsampled), a progressive one also 4 bytes per
// sample of coefficients, and CMYK is converted into 4 bytes per pixel.
func jpegBytesPerPixel(data []byte) float64 {
	const worst = 4*(1+4) + 4
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return worst
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc {
			seg := data[i+4:]
			if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) {
				return worst
			}
			comps := int(seg[5])
			hmax, vmax := 1, 1
			for c := 0; c < comps; c++ {
				hv := seg[6+3*c+1]
				hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&15))
			}
			samples := 0.0
			for c := 0; c < comps; c++ {
				hv := seg[6+3*c+1]
				samples += float64(int(hv>>4)*int(hv&15)) / float64(hmax*vmax)
			}
			bpp := samples
			if marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce { // progressive
				bpp += 4 * samples
			}
			if comps == 4 {
				bpp += 4
			}
			return bpp
		}
		i += 2 + n
	}
	return worst
}

// Decoder decodes pictures within one memory budget.
type Decoder struct {
	budget int64
	sem    *semaphore.Weighted
	wait   time.Duration
}

// NewDecoder returns a Decoder that lets decodes take at most budget
// bytes together; a decode waits at most wait for its share.
func NewDecoder(budget int64, wait time.Duration) *Decoder {
	return &Decoder{budget: budget, sem: semaphore.NewWeighted(budget), wait: wait}
}

// Shared is the process's decoder, used by every store not given another:
// the budget is of this process's memory, so there is one. 256 MB lets
// one full-size upload be decoded at a time, or a few avatars.
var Shared = NewDecoder(256<<20, 10*time.Second)

// Decode checks data against lim, waits for its share of the budget, and
// calls fn with the decoded image while the share is held (fn scales it;
// the image must not be kept after fn returns). A decode that cannot get
// its share within the wait, or before ctx ends, fails with
// apperr.ErrBusy.
func (d *Decoder) Decode(ctx context.Context, data []byte, lim Limits, fn func(img image.Image, in Info) error) error {
	in, err := Inspect(data, lim)
	if err != nil {
		return err
	}
	need := min(in.Memory, d.budget)
	wctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	if err := d.sem.Acquire(wctx, need); err != nil {
		return fmt.Errorf("picture: waiting to decode %d×%d: %w", in.Width, in.Height, apperr.ErrBusy)
	}
	defer d.sem.Release(need)
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return ErrDamaged
	}
	return fn(img, in)
}
