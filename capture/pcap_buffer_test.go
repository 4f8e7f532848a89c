package capture

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestPcapRecordsBufferSizes: records that fit the read buffer are returned
// from it, larger ones through pcapgo's own buffer. Both paths give the
// same frames, capture info and errors: the same file read with the
// smallest buffer (every large record takes pcapgo's path) and the default
// one (every record is returned in place).
func TestPcapRecordsBufferSizes(t *testing.T) {
	var recs [][]byte
	for i, n := range []int{100, 70000, 200000, 60, 65536 - 16, 65536 - 15, 262144, 100} {
		data := bytes.Repeat([]byte{byte(i + 1)}, n)
		recs = append(recs, pcapRecord(le, uint32(1000+i), uint32(i*1000), uint32(n), uint32(n+i), data))
	}
	file := cat(append([][]byte{pcapHeader(le, 0xa1b2c3d4, 2, 4, 262144, 1)}, recs...)...)
	read := func(data []byte, size int) (frames [][]byte, infos []string, err error) {
		r, err := Open([]string{"-"}, Options{Stdin: bytes.NewReader(data), BufferSize: size})
		if err != nil {
			t.Fatal(err)
		}
		for {
			d, ci, _, err := next(r)
			if err == io.EOF {
				return frames, infos, r.Err()
			}
			if err != nil {
				t.Fatal(err)
			}
			frames = append(frames, append([]byte(nil), d...))
			infos = append(infos, ci.Timestamp.String()+" "+itoa(ci.CaptureLength)+" "+itoa(ci.Length))
		}
	}
	for _, cut := range []int{0, 10, 16 + 50000, 16 + 199990} {
		data := file[:len(file)-cut]
		f1, i1, e1 := read(data, minBufferSize)
		f2, i2, e2 := read(data, 0)
		if cut == 0 && (len(f1) != len(recs) || e1 != nil) {
			t.Fatalf("whole file: %d frames, %v", len(f1), e1)
		}
		if len(f1) != len(f2) || fmtErr(e1) != fmtErr(e2) {
			t.Fatalf("cut %d: %d frames (%v) with a 64 KiB buffer, %d (%v) with the default", cut, len(f1), e1, len(f2), e2)
		}
		if cut > 0 && !errors.Is(e2, ErrTruncated) {
			t.Errorf("cut %d: %v, want ErrTruncated", cut, e2)
		}
		for i := range f1 {
			if !bytes.Equal(f1[i], f2[i]) || i1[i] != i2[i] {
				t.Errorf("cut %d, frame %d: %d bytes %s and %d bytes %s", cut, i, len(f1[i]), i1[i], len(f2[i]), i2[i])
			}
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
