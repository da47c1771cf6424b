package demo

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestPaintPreview writes every demo picture to $BYLINE_PICTURES, to look at.
func TestPaintPreview(t *testing.T) {
	dir := os.Getenv("BYLINE_PICTURES")
	if dir == "" {
		t.Skip("set BYLINE_PICTURES to a folder to see the demo's pictures")
	}
	save := func(name string, img interface{ Bounds() image.Rectangle }) {}
	_ = save
	i := 0
	for _, style := range []string{"sedan", "suv", "hatch", "coupe", "wagon", "pickup", "van", "race"} {
		for _, scene := range []string{"road", "dusk", "dawn", "city", "show", "studio", "track", "nighttrack", "factory", "winter", "lab"} {
			i++
			if i%3 != 0 && scene != "studio" {
				continue
			}
			img := paintCar(carPic{Style: style, Paint: "#c81e25", Scene: scene, Number: "27", Right: i%2 == 0}, 1200, 675)
			f, _ := os.Create(filepath.Join(dir, style+"-"+scene+".png"))
			png.Encode(f, img)
			f.Close()
		}
	}
	for i, p := range []portrait{{Skin: "#e8b899", Hair: "#3b2a20", Jacket: "#243447", Backdrop: "#9bb7d4", Hair2: "short"},
		{Skin: "#8d5a3b", Hair: "#1d1714", Jacket: "#7a2e3a", Backdrop: "#e0c08a", Hair2: "long", Glasses: true}} {
		f, _ := os.Create(filepath.Join(dir, "portrait"+string(rune('a'+i))+".png"))
		png.Encode(f, paintPortrait(p, 256))
		f.Close()
	}
}
