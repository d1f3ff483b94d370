//! Memory-mapped models through real files: the values are the saved ones, checked as `load`
//! checks them; what cannot be viewed in place is refused with its own error; and a file saved
//! over while it is mapped leaves the mapping on the file it mapped.

use model_persistence::file::mapped::Mapped;
use model_persistence::prelude::*;

fn values(n: usize, scale: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |i| (i as f64 * scale).sin())
}

#[test]
fn arrays_vectors_and_linear_models_map_to_their_values() -> Result<(), Error> {
    let dir = tempdir()?;
    let array = values(100_000, 0.1);
    save(&array, dir.path().join("array.bin"), Codec::Bincode)?;
    let mapped = Mapped::open(dir.path().join("array.bin"))?;
    assert_eq!(mapped.values(), array.view());
    assert_eq!(mapped.intercept(), None);
    assert_eq!(
        mapped.header().model_type,
        std::any::type_name::<Array1<f64>>()
    );

    let vector = array.to_vec();
    save(&vector, dir.path().join("vec.bin"), Codec::Bincode)?;
    assert_eq!(
        Mapped::open(dir.path().join("vec.bin"))?.values().to_vec(),
        vector
    );

    let wine = load_wine();
    let model = train(&wine)?;
    save(&model, dir.path().join("wine.bin"), Codec::Bincode)?;
    // The article's small model is not aligned on purpose (its file keeps its size) ...
    let small = Mapped::open(dir.path().join("wine.bin"));
    assert!(matches!(small.unwrap_err().kind(), ErrorKind::Unaligned(_)));
    // ... a linear model with many coefficients is, and predicts from them in place.
    let wide = from_parts(array.as_slice().expect("contiguous"), 0.25)?;
    save(&wide, dir.path().join("wide.bin"), Codec::Bincode)?;
    let mapped = Mapped::open(dir.path().join("wide.bin"))?;
    assert_eq!(
        (mapped.values(), mapped.intercept()),
        (array.view(), Some(0.25))
    );
    let rows = Array2::from_shape_fn((3, 100_000), |(i, j)| (i + j) as f64 / 1e5);
    let got = mapped.predict(&rows)?;
    let want = predict(&wide, &rows)?;
    assert!(
        got.iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(mapped.predict(&Array2::zeros((1, 3))).is_err());
    Ok(())
}

#[test]
fn what_cannot_be_viewed_in_place_is_refused() -> Result<(), Error> {
    let dir = tempdir()?;
    let array = values(10_000, 0.3);
    let kind = |name: &str| Mapped::open(dir.path().join(name)).unwrap_err();
    save(&array, dir.path().join("a.bin.zst"), Codec::BincodeZstd)?;
    assert!(matches!(
        kind("a.bin.zst").kind(),
        ErrorKind::NotMappable(Codec::BincodeZstd)
    ));
    save(&array, dir.path().join("a.json"), Codec::Json)?;
    assert!(matches!(
        kind("a.json").kind(),
        ErrorKind::NotMappable(Codec::Json)
    ));
    save(
        &"not an array".to_string(),
        dir.path().join("s.bin"),
        Codec::Bincode,
    )?;
    assert!(matches!(kind("s.bin").kind(), ErrorKind::WrongType { .. }));
    assert!(matches!(kind("missing.bin").kind(), ErrorKind::NotFound));
    assert!(matches!(
        Mapped::open(dir.path()).unwrap_err().kind(),
        ErrorKind::IsDirectory
    ));

    // Damage is found before anything is shown, as by `load`: a flip, a cut.
    save(&array, dir.path().join("a.bin"), Codec::Bincode)?;
    let good = std::fs::read(dir.path().join("a.bin"))?;
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    std::fs::write(dir.path().join("flipped.bin"), &flipped)?;
    assert!(matches!(
        kind("flipped.bin").kind(),
        ErrorKind::Checksum { .. }
    ));
    std::fs::write(dir.path().join("cut.bin"), &good[..good.len() - 1])?;
    assert!(matches!(
        kind("cut.bin").kind(),
        ErrorKind::Truncated { .. }
    ));
    let message = kind("cut.bin").to_string();
    assert!(
        message.ends_with(
            "cut.bin: truncated: the header announces 80328 bytes but the file has 80327"
        ),
        "{message}"
    );
    Ok(())
}

#[test]
fn a_file_saved_over_while_mapped_stays_the_mapped_one() -> Result<(), Error> {
    let dir = tempdir()?;
    let path = dir.path().join("values.bin");
    let (old, new) = (values(50_000, 0.1), values(50_000, 0.2));
    save(&old, &path, Codec::Bincode)?;
    let mapped = Mapped::open(&path)?;
    // `save` writes a new file and renames it over the path: the mapping keeps the old file.
    save(&new, &path, Codec::Bincode)?;
    assert_eq!(mapped.values(), old.view());
    assert_eq!(Mapped::open(&path)?.values(), new.view());
    assert_eq!(load::<Array1<f64>>(&path)?, new);
    Ok(())
}
