package decode

import (
	"testing"

	"github.com/google/gopacket"
)

// TestNoGopacketSideEffects checks that importing decode registered none
// of its layer types with gopacket: RegisterLayerType panics on a number
// that is taken, so another package (here, this test) can still register
// every one of them. It runs after decoding a frame of each own layer.
func TestNoGopacketSideEffects(t *testing.T) {
	d := NewDecoder()
	var s Summary
	for _, tt := range decodeCases(t) {
		d.Decode(tt.link, tt.frame, tt.wire, &s)
	}
	for _, lt := range []gopacket.LayerType{layerTypeSLL2, layerTypeCHDLC, layerTypeNFLOG, layerTypeDot11, layerTypeRadio, layerTypePBB} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("layer type %d is registered with gopacket: %v", int(lt), r)
				}
			}()
			gopacket.RegisterLayerType(int(lt), gopacket.LayerTypeMetadata{Name: "test"})
		}()
	}
}
