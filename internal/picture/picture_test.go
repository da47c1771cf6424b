package picture

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"
	"time"

	xdraw "golang.org/x/image/draw"

	"byline/internal/apperr"
	"byline/internal/picture/picturetest"
)

// bomb encodes img (a uniform one encodes to a little however large).
func bomb(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var square = func(int, int) (int, int) { return 256, 256 }

func TestInspectJudgesMemoryFromTheHeader(t *testing.T) {
	media := Limits{MaxSide: 12000, MaxPixels: 50_000_000, MaxMemory: 256 << 20,
		Out: func(w, h int) (int, int) { tw := min(1600, w); return tw, max(1, h*tw/w) }}

	// 7000×7000 with 16 bits per channel: 49 megapixels, under the pixel
	// limit, but 392 MB once decoded.
	deep := picturetest.PNG(7000, 7000, picturetest.RGBA16)
	if len(deep) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(deep))
	}
	in, err := Inspect(deep, media)
	var tl *TooLarge
	if !errors.As(err, &tl) || in.Memory < 392<<20 {
		t.Fatalf("16-bit 7000×7000: %+v %v", in, err)
	}
	// The same with 8 bits per channel is a picture the newsroom may send.
	if in, err := Inspect(picturetest.PNG(7000, 7000, picturetest.RGBA8), media); err != nil || in.Memory > 256<<20 {
		t.Fatalf("8-bit 7000×7000: %+v %v", in, err)
	}
	// Gray16 counts 2 bytes a pixel; a palette 1.
	g, _ := Inspect(picturetest.PNG(4000, 4000, picturetest.Gray16), media)
	p, _ := Inspect(bomb(t, image.NewPaletted(image.Rect(0, 0, 4000, 4000), color.Palette{color.Black, color.White})), media)
	if g.Memory <= p.Memory || g.Memory < 32_000_000 {
		t.Fatalf("gray16 %d, paletted %d", g.Memory, p.Memory)
	}
	// Sides and pixels are checked before the memory.
	avatar := Limits{MinSide: 32, MaxSide: 4096, MaxPixels: 16_000_000, MaxMemory: 128 << 20, Out: square}
	for name, data := range map[string][]byte{
		"6300×6300 16-bit": picturetest.PNG(6300, 6300, picturetest.Gray16),
		"4096×4096 16-bit": picturetest.PNG(4096, 4096, picturetest.RGBA16),
		"too small":        bomb(t, image.NewNRGBA(image.Rect(0, 0, 16, 400))),
	} {
		if _, err := Inspect(data, avatar); !errors.As(err, &tl) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Inspect([]byte("not a picture"), avatar); !errors.Is(err, ErrFormat) {
		t.Fatalf("text: %v", err)
	}
}

func TestJPEGMemory(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, 800, 600), image.YCbCrSubsampleRatio420)
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	// Go writes baseline 4:2:0: 1.5 bytes a pixel.
	if got := jpegBytesPerPixel(b.Bytes()); got != 1.5 {
		t.Fatalf("baseline 4:2:0: %v bytes a pixel", got)
	}
	// The same frame header marked progressive also keeps coefficients.
	data := bytes.Replace(b.Bytes(), []byte{0xff, 0xc0}, []byte{0xff, 0xc2}, 1)
	if got := jpegBytesPerPixel(data); got != 1.5*5 {
		t.Fatalf("progressive: %v bytes a pixel", got)
	}
}

// A decode waits for its share of the budget and gives up with ErrBusy
// rather than past its deadline; nothing of fn runs then.
func TestDecoderBudget(t *testing.T) {
	d := NewDecoder(64<<20, 200*time.Millisecond)
	lim := Limits{MaxSide: 100, MaxPixels: 10_000, MaxMemory: 1 << 40, Out: func(int, int) (int, int) { return 5000, 5000 }}
	small := bomb(t, image.NewNRGBA(image.Rect(0, 0, 50, 50)))
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- d.Decode(context.Background(), small, lim, func(image.Image, Info) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ran := false
	err := d.Decode(context.Background(), small, lim, func(image.Image, Info) error { ran = true; return nil })
	if !errors.Is(err, apperr.ErrBusy) || ran {
		t.Fatalf("second decode while the budget is held: %v (ran %v)", err, ran)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(context.Background(), small, lim, func(image.Image, Info) error { return nil }); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

// Scale shrinks a large source without the kernel's full-height buffer,
// and keeps the picture (a uniform colour stays that colour).
func TestScale(t *testing.T) {
	src := image.NewNRGBA64(image.Rect(0, 0, 3000, 9000))
	for i := 0; i < len(src.Pix); i += 8 {
		copy(src.Pix[i:], []byte{0x80, 0, 0x40, 0, 0xc0, 0, 0xff, 0xff})
	}
	dst := image.NewRGBA(image.Rect(0, 0, 1600, 4800))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	Scale(dst, src, src.Bounds(), xdraw.Src)
	runtime.ReadMemStats(&after)
	if c := dst.RGBAAt(800, 2400); c.R < 0x7e || c.R > 0x81 || c.G < 0x3f || c.G > 0x41 || c.B < 0xbe || c.B > 0xc1 || c.A != 0xff {
		t.Fatalf("colour %v", c)
	}
	// The kernel alone would have taken 1600 × 9000 × 32 = 460 MB.
	if got, bound := after.TotalAlloc-before.TotalAlloc, uint64(scaleMemory(3000, 9000, 1600, 4800)); got > bound {
		t.Fatalf("scaling took %d MB, more than the %d MB counted", got>>20, bound>>20)
	}
}

// BenchmarkAvatarBomb prints the memory one decode of a refused and of an
// accepted large picture takes (a number to read, not a limit).
func BenchmarkAvatarBomb(b *testing.B) {
	lim := Limits{MinSide: 32, MaxSide: 4096, MaxPixels: 16_000_000, MaxMemory: 128 << 20, Out: square}
	for name, data := range map[string][]byte{
		"refused-6300-16bit": picturetest.PNG(6300, 6300, picturetest.Gray16),
		"accepted-4000-8bit": picturetest.PNG(4000, 4000, picturetest.RGBA8),
	} {
		b.Run(name, func(b *testing.B) {
			d := NewDecoder(256<<20, time.Second)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := 0; i < b.N; i++ {
				d.Decode(context.Background(), data, lim, func(img image.Image, _ Info) error {
					Scale(image.NewRGBA(image.Rect(0, 0, 256, 256)), img, img.Bounds(), xdraw.Src)
					return nil
				})
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB/decode")
		})
	}
}
