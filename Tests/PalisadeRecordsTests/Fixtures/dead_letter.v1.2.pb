
palisade.requestsÒ	"9cannot read palisade.v1.CaptureRecord: malformed protobuf*ÿÿÿ:worker@à±ë¥ª3