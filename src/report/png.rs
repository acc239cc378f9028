//! The PNG backend: plotters' bitmap backend, with text drawn here.
//!
//! plotters 0.3.7 places each glyph of a bitmap text by truncating
//! `size / 2 + top of the glyph` towards zero, so glyphs whose tops fall
//! on either side of that line land a pixel apart ("southamer|ca" with a
//! raised "i"). Here every glyph of a string is laid out on one baseline
//! with its own sub-pixel position (ab_glyph, the rasteriser plotters
//! itself uses), in the embedded Roboto, so PNG text sits evenly and
//! looks the same on any machine.

use super::plots::FONT;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use std::sync::Once;

/// The embedded font (Apache 2.0, `assets/fonts/`).
const ROBOTO: &[u8] = include_bytes!("../../assets/fonts/Roboto-Regular.ttf");

/// Registers the embedded font with plotters under [`FONT`], for the
/// text sizes the SVG backend and the chart layout estimate.
pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid; a failure would only lose estimates.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, ROBOTO);
    });
}

/// An RGB bitmap in memory, with even text.
pub struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> PngBackend<'a> {
    /// Draws into `buf`, RGB rows of `size.0` pixels.
    pub fn new(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        register_font();
        let font = FontRef::try_from_slice(ROBOTO).expect("the embedded font is a valid TrueType font");
        PngBackend { inner: BitMapBackend::with_buffer(buf, size), font }
    }

    /// The width of `text` at `size` pixels, and the height of a line.
    fn layout(&self, text: &str, size: f64) -> (i32, i32) {
        let sf = self.font.as_scaled(PxScale::from(size as f32));
        let mut width = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                width += sf.kern(p, id);
            }
            width += sf.h_advance(id);
            prev = Some(id);
        }
        (width.ceil() as i32, (sf.ascent() - sf.descent()).ceil() as i32)
    }
}

type Error = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = Error;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Error>> {
        let (w, h) = self.layout(text, style.size());
        Ok((w as u32, h as u32))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (width, height) = self.layout(text, style.size());
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let font = self.font.clone();
        let sf = font.as_scaled(PxScale::from(style.size() as f32));
        let baseline = sf.ascent();
        let mut caret = 0f32;
        let mut prev = None;
        let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
        for c in text.chars() {
            let id = sf.glyph_id(c);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(sf.scale(), point(caret, baseline));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (x0, y0) = (b.min.x as i32, b.min.y as i32);
                outline.draw(|x, y, coverage| pixels.push((x0 + x as i32, y0 + y as i32, coverage)));
            }
            caret += sf.h_advance(id);
            prev = Some(id);
        }
        for (x, y, coverage) in pixels {
            if coverage <= 0.0 {
                continue;
            }
            let (tx, ty) = trans.transform(x + dx, y + dy);
            let (px, py) = (pos.0 + tx, pos.1 + ty);
            if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                let c = BackendColor { alpha: color.alpha * f64::from(coverage.min(1.0)), rgb: color.rgb };
                self.inner.draw_pixel((px, py), c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lowest inked row of each glyph drawn alone, as drawn in a word.
    fn bottoms(word: &str) -> Vec<i32> {
        let size = (40 * word.len() as u32, 60);
        let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
        {
            let root = PngBackend::new(&mut buf, size).into_drawing_area();
            root.draw(&Text::new(word, (5, 5), (FONT, 30).into_font().color(&BLACK))).unwrap();
            root.present().unwrap();
        }
        // For each column band of a glyph, the lowest row with ink.
        let ink = |x: u32, y: u32| buf[((y * size.0 + x) * 3) as usize] < 128;
        let mut out = Vec::new();
        let mut x = 0;
        while x < size.0 {
            if (0..size.1).any(|y| ink(x, y)) {
                let start = x;
                while x < size.0 && (0..size.1).any(|y| ink(x, y)) {
                    x += 1;
                }
                let low = (start..x).flat_map(|c| (0..size.1).filter(move |&y| ink(c, y))).max().unwrap_or(0);
                out.push(low as i32);
            }
            x += 1;
        }
        out
    }

    #[test]
    fn letters_sit_on_one_baseline() {
        // "i", "c", "a", "m", "e" and "t" have no descender: all rest on the baseline.
        let b = bottoms("time since");
        assert!(b.len() >= 8, "{b:?}");
        assert!(b.iter().all(|&y| y == b[0]), "uneven baseline: {b:?}");
    }
}
