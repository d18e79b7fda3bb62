//! Property tests for the codec: arbitrary input never panics or over-allocates, and what the
//! encoder writes the parsers read back unchanged.

use super::*;
use bytes::BytesMut;
use proptest::prelude::*;

fn arb_frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        "[a-zA-Z0-9 ]{0,20}".prop_map(|s| Frame::Simple(s.into())),
        "ERR [a-z ]{0,20}".prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|v| Frame::Bulk(Bytes::from(v))),
        Just(Frame::Null),
        any::<bool>().prop_map(Frame::Boolean),
        (-1e12f64..1e12).prop_map(Frame::Double),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Array),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Frame::Set),
            proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(Frame::Map),
        ]
    })
}

proptest! {
    #[test]
    fn stateless_and_incremental_parsers_agree(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::from(&data[..]);
        let a = p.next(&mut buf, true);
        let consumed = data.len() - buf.len();
        let b = parse_request(&data, &Limits::default());
        match (a, b) {
            (Ok(Some(x)), Ok(Some((y, used)))) => {
                prop_assert_eq!(x, y);
                prop_assert_eq!(consumed, used);
            }
            (Ok(None), Ok(None)) => {}
            (Err(x), Err(y)) => prop_assert_eq!(x, y),
            (x, y) => prop_assert!(false, "incremental {:?} vs stateless {:?}", x, y),
        }
    }

    #[test]
    fn stateless_parser_counts_pipelined_bytes(argvs in proptest::collection::vec(proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..4), 1..5)) {
        let mut wire = Vec::new();
        for argv in &argvs {
            let f = Frame::Array(argv.iter().map(|a| Frame::Bulk(Bytes::from(a.clone()))).collect());
            wire.extend_from_slice(&f.to_bytes(Protocol::Resp2));
        }
        let mut pos = 0;
        for argv in &argvs {
            let (got, used) = parse_request(&wire[pos..], &Limits::default()).unwrap().unwrap();
            prop_assert_eq!(got.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), argv.clone());
            pos += used;
        }
        prop_assert_eq!(pos, wire.len());
    }

    #[test]
    fn request_parser_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512), auth in any::<bool>()) {
        let mut p = RequestParser::new(Limits::default());
        let mut buf = BytesMut::from(&data[..]);
        let before = buf.capacity();
        for _ in 0..600 {
            match p.next(&mut buf, auth) {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => break,
            }
        }
        prop_assert!(buf.capacity() <= before.max(512));
    }

    #[test]
    fn frame_parser_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_frame(&data, &FrameLimits::default());
    }

    #[test]
    fn resp3_round_trips(f in arb_frame()) {
        let bytes = f.to_bytes(Protocol::Resp3);
        let (back, used) = parse_frame(&bytes, &FrameLimits::default()).unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(back, f);
    }

    #[test]
    fn requests_round_trip(argv in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..100), 1..10)) {
        let frame = Frame::Array(argv.iter().map(|a| Frame::Bulk(Bytes::from(a.clone()))).collect());
        let mut buf = frame.to_bytes(Protocol::Resp2);
        let mut p = RequestParser::new(Limits::default());
        let got = p.next(&mut buf, true).unwrap().unwrap();
        prop_assert_eq!(got.iter().map(|b| b.to_vec()).collect::<Vec<_>>(), argv);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn every_prefix_of_a_frame_is_incomplete(f in arb_frame()) {
        let bytes = f.to_bytes(Protocol::Resp3);
        for cut in 0..bytes.len() {
            prop_assert_eq!(parse_frame(&bytes[..cut], &FrameLimits::default()).unwrap(), None);
        }
    }
}
