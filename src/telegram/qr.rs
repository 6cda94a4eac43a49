//! QR codes as PNG images (a QRIS payment string the bot sends as a photo): black modules
//! on white, eight pixels each, inside the four-module quiet zone the standard asks for, so
//! that a phone's camera reads it at a glance from another screen.

use qrcode::{types::QrError, Color, QrCode};

/// Pixels per module.
const MODULE_PX: usize = 8;
/// Light modules around the code on each side (the standard's quiet zone).
const QUIET_ZONE: usize = 4;

/// The QR code of `text` as a PNG: one bit per pixel, black on white. Fails only for a
/// text too long for any QR code.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let code = QrCode::new(text.as_bytes())?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * MODULE_PX;
    // One bit a pixel and eight pixels a module: each module of a row is one byte, 0x00
    // (black) or 0xFF (white).
    let dark = |x: usize, y: usize| {
        let inside = |at: usize| (QUIET_ZONE..QUIET_ZONE + modules).contains(&at);
        inside(x)
            && inside(y)
            && colors[(y - QUIET_ZONE) * modules + (x - QUIET_ZONE)] == Color::Dark
    };
    let row_bytes = side / 8;
    let mut pixels = Vec::with_capacity(row_bytes * side);
    for y in 0..side {
        let module_y = y / MODULE_PX;
        pixels.extend((0..row_bytes).map(|x| if dark(x, module_y) { 0x00 } else { 0xFF }));
    }
    let mut image = Vec::new();
    let mut encoder = png::Encoder::new(&mut image, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder
        .write_header()
        .expect("a PNG header is always written to memory");
    writer
        .write_image_data(&pixels)
        .expect("the rows are as long as the header says");
    writer.finish().expect("a PNG is always finished in memory");
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QRIS string's shape (EMVCo merchant-presented, as Indonesian wallets scan).
    const QRIS: &str = "00020101021226610014COM.EXAMPLE.WWW01189360012300000000010214000000000000010303UMI51440014ID.CO.QRIS.WWW0215ID10200000000010303UMI5204581253033605405250005802ID5910TANGKAP QR6007JAKARTA61051011062070703A016304ABCD";

    #[test]
    fn a_qr_code_is_a_png_of_whole_modules_with_a_quiet_zone() {
        let image = png(QRIS).unwrap();
        assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"));
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&image));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        let side = frame.width as usize;
        assert_eq!(frame.height as usize, side);
        let modules = QrCode::new(QRIS).unwrap().width();
        assert_eq!(side, (modules + 8) * MODULE_PX);
        assert!(side >= 300, "{side} px is large enough to scan");
        let dark = |x: usize, y: usize| pixels[y * frame.line_size + x] < 128;
        // The quiet zone is white, and the finder pattern's corner starts right after it.
        assert!((0..QUIET_ZONE * MODULE_PX).all(|at| !dark(at, at)));
        let corner = QUIET_ZONE * MODULE_PX;
        assert!(dark(corner, corner) && dark(corner + 7, corner + 7));
        // The text can be told again from the image.
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| pixels[y * side + x]);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, QRIS);
    }

    #[test]
    fn a_text_too_long_for_any_qr_code_is_an_error() {
        assert_eq!(png(&"x".repeat(8000)), Err(QrError::DataTooLong));
    }
}
