// Package picturetest makes decompression bombs for tests: PNGs of one
// colour that are small as files and huge once decoded. They are written
// row by row, so making one does not take the memory it is meant to cost.
package picturetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"sync"
)

// Depth is a PNG colour type and bit depth.
type Depth struct {
	ColorType, Bits byte
	bytesPerPixel   int
}

var (
	Gray16 = Depth{0, 16, 2}
	RGBA8  = Depth{6, 8, 4}
	RGBA16 = Depth{6, 16, 8} // NRGBA64 once decoded: 8 bytes a pixel
	Gray8  = Depth{0, 8, 1}
	cache  sync.Map
)

type key struct {
	w, h int
	d    Depth
}

// PNG returns a w×h PNG of one colour at depth d (made once per process).
func PNG(w, h int, d Depth) []byte {
	if b, ok := cache.Load(key{w, h, d}); ok {
		return b.([]byte)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = d.Bits, d.ColorType
	chunk(&out, "IHDR", ihdr)
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w*d.bytesPerPixel) // filter byte 0, then black (transparent) pixels
	for y := 0; y < h; y++ {
		z.Write(row)
	}
	z.Close()
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	cache.Store(key{w, h, d}, out.Bytes())
	return out.Bytes()
}

func chunk(out *bytes.Buffer, kind string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	out.WriteString(kind)
	out.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	out.Write(n[:])
}
