//! eSCL ("AirScan") documents: scanner capabilities, scanner status and scan settings
//! (HARDWARE.md §5.1). Parsed by namespace, never by prefix (devices choose their own
//! prefixes), from size-capped input with DTDs refused, so a hostile or broken device can
//! produce an error but never a panic or unbounded memory. The same types generate the
//! documents the simulated scanner serves, so both sides are tested against each other and
//! against a real client (sane-airscan, see tests/it/scanner.rs).

use serde::{Deserialize, Serialize};

pub const NS_SCAN: &str = "http://schemas.hp.com/imaging/escl/2011/05/03";
pub const NS_PWG: &str = "http://www.pwg.org/schemas/2010/12/sm";

/// eSCL documents are a few KiB; anything far larger is refused unread.
pub const MAX_XML: usize = 256 * 1024;
/// Element budget: real capability documents have a few hundred.
const MAX_NODES: u32 = 20_000;

/// A4 in eSCL units (1/300 inch).
pub const A4_WIDTH: u32 = 2480;
pub const A4_HEIGHT: u32 = 3507;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("tài liệu XML quá lớn ({0} byte)")]
    TooLarge(usize),
    #[error("XML không hợp lệ: {0}")]
    Malformed(String),
    #[error("thiếu phần tử {0}")]
    Missing(&'static str),
    #[error("giá trị không hợp lệ ở {0}")]
    Invalid(&'static str),
    #[error("máy quét không có mặt kính và không có khay nạp giấy")]
    NoSource,
}

/// Where the paper is: the glass (bound papers, one page) or the feeder (stacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputSource {
    Platen,
    Feeder,
}

impl InputSource {
    pub fn escl(self) -> &'static str {
        match self {
            InputSource::Platen => "Platen",
            InputSource::Feeder => "Feeder",
        }
    }
    /// `Flatbed` is what some clients send for the glass.
    pub fn parse(s: &str) -> Option<InputSource> {
        match s.trim() {
            "Platen" | "Flatbed" => Some(InputSource::Platen),
            "Feeder" | "Adf" | "ADF" => Some(InputSource::Feeder),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            InputSource::Platen => "Mặt kính",
            InputSource::Feeder => "Khay nạp giấy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorMode {
    /// 1-bit black and white.
    Bw,
    /// 8-bit grey: text papers.
    Gray,
    /// 24-bit colour: where red seals matter.
    Color,
}

impl ColorMode {
    pub fn escl(self) -> &'static str {
        match self {
            ColorMode::Bw => "BlackAndWhite1",
            ColorMode::Gray => "Grayscale8",
            ColorMode::Color => "RGB24",
        }
    }
    pub fn parse(s: &str) -> Option<ColorMode> {
        match s.trim() {
            "BlackAndWhite1" => Some(ColorMode::Bw),
            "Grayscale8" | "Grayscale16" => Some(ColorMode::Gray),
            "RGB24" | "RGB48" => Some(ColorMode::Color),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            ColorMode::Bw => "Đen trắng",
            ColorMode::Gray => "Xám",
            ColorMode::Color => "Màu",
        }
    }
}

/// What one input (glass or feeder) can do. Sizes in 1/300 inch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCaps {
    pub min_width: u32,
    pub max_width: u32,
    pub min_height: u32,
    pub max_height: u32,
    pub color_modes: Vec<ColorMode>,
    pub formats: Vec<String>,
    pub resolutions: Vec<u32>,
}

impl SourceCaps {
    /// The closest supported resolution to `dpi` (ties go to the higher one).
    pub fn nearest_resolution(&self, dpi: u32) -> Option<u32> {
        self.resolutions
            .iter()
            .copied()
            .min_by_key(|r| (r.abs_diff(dpi), u32::MAX - r))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub make_and_model: String,
    pub uuid: Option<String>,
    pub platen: Option<SourceCaps>,
    pub feeder: Option<SourceCaps>,
    pub duplex: bool,
}

impl Capabilities {
    pub fn source(&self, s: InputSource) -> Option<&SourceCaps> {
        match s {
            InputSource::Platen => self.platen.as_ref(),
            InputSource::Feeder => self.feeder.as_ref(),
        }
    }

    pub fn parse(xml: &[u8]) -> Result<Capabilities, XmlError> {
        let text = checked_text(xml)?;
        let doc = parse_doc(text)?;
        let root = doc.root_element();
        if !is(root, NS_SCAN, "ScannerCapabilities") {
            return Err(XmlError::Missing("scan:ScannerCapabilities"));
        }
        let make_and_model = child_text(root, NS_PWG, "MakeAndModel")
            .unwrap_or("")
            .trim()
            .to_string();
        let uuid = child_text(root, NS_SCAN, "UUID").map(|s| s.trim().to_string());
        let platen = match child(root, NS_SCAN, "Platen") {
            Some(p) => match child(p, NS_SCAN, "PlatenInputCaps") {
                Some(c) => Some(parse_source_caps(c)?),
                None => None,
            },
            None => None,
        };
        let (feeder, duplex) = match child(root, NS_SCAN, "Adf") {
            Some(a) => {
                let simplex = match child(a, NS_SCAN, "AdfSimplexInputCaps") {
                    Some(c) => Some(parse_source_caps(c)?),
                    None => None,
                };
                (simplex, child(a, NS_SCAN, "AdfDuplexInputCaps").is_some())
            }
            None => (None, false),
        };
        if platen.is_none() && feeder.is_none() {
            return Err(XmlError::NoSource);
        }
        Ok(Capabilities {
            make_and_model,
            uuid,
            platen,
            feeder,
            duplex,
        })
    }

    pub fn to_xml(&self) -> String {
        let mut x = String::with_capacity(4096);
        x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        x.push('\n');
        x.push_str(&format!(
            r#"<scan:ScannerCapabilities xmlns:scan="{NS_SCAN}" xmlns:pwg="{NS_PWG}">"#
        ));
        x.push_str("<pwg:Version>2.63</pwg:Version>");
        x.push_str(&format!(
            "<pwg:MakeAndModel>{}</pwg:MakeAndModel>",
            esc(&self.make_and_model)
        ));
        if let Some(u) = &self.uuid {
            x.push_str(&format!("<scan:UUID>{}</scan:UUID>", esc(u)));
        }
        if let Some(p) = &self.platen {
            x.push_str("<scan:Platen><scan:PlatenInputCaps>");
            source_caps_xml(&mut x, p);
            x.push_str("</scan:PlatenInputCaps></scan:Platen>");
        }
        if let Some(f) = &self.feeder {
            x.push_str("<scan:Adf><scan:AdfSimplexInputCaps>");
            source_caps_xml(&mut x, f);
            x.push_str("</scan:AdfSimplexInputCaps>");
            if self.duplex {
                x.push_str("<scan:AdfDuplexInputCaps>");
                source_caps_xml(&mut x, f);
                x.push_str("</scan:AdfDuplexInputCaps>");
            }
            x.push_str("<scan:FeederCapacity>50</scan:FeederCapacity>");
            x.push_str("<scan:AdfOptions><scan:AdfOption>DetectPaperLoaded</scan:AdfOption></scan:AdfOptions>");
            x.push_str("</scan:Adf>");
        }
        x.push_str("</scan:ScannerCapabilities>\n");
        x
    }
}

fn source_caps_xml(x: &mut String, c: &SourceCaps) {
    x.push_str(&format!(
        "<scan:MinWidth>{}</scan:MinWidth><scan:MaxWidth>{}</scan:MaxWidth>\
         <scan:MinHeight>{}</scan:MinHeight><scan:MaxHeight>{}</scan:MaxHeight>\
         <scan:MaxScanRegions>1</scan:MaxScanRegions>",
        c.min_width, c.max_width, c.min_height, c.max_height
    ));
    x.push_str("<scan:SettingProfiles><scan:SettingProfile><scan:ColorModes>");
    for m in &c.color_modes {
        x.push_str(&format!("<scan:ColorMode>{}</scan:ColorMode>", m.escl()));
    }
    x.push_str("</scan:ColorModes><scan:DocumentFormats>");
    for f in &c.formats {
        x.push_str(&format!(
            "<pwg:DocumentFormat>{0}</pwg:DocumentFormat><scan:DocumentFormatExt>{0}</scan:DocumentFormatExt>",
            esc(f)
        ));
    }
    x.push_str("</scan:DocumentFormats><scan:SupportedResolutions><scan:DiscreteResolutions>");
    for r in &c.resolutions {
        x.push_str(&format!(
            "<scan:DiscreteResolution><scan:XResolution>{r}</scan:XResolution><scan:YResolution>{r}</scan:YResolution></scan:DiscreteResolution>"
        ));
    }
    x.push_str("</scan:DiscreteResolutions></scan:SupportedResolutions>");
    x.push_str("</scan:SettingProfile></scan:SettingProfiles>");
    x.push_str("<scan:SupportedIntents><scan:Intent>Document</scan:Intent><scan:Intent>TextAndGraphic</scan:Intent><scan:Intent>Photo</scan:Intent></scan:SupportedIntents>");
    x.push_str(&format!(
        "<scan:MaxOpticalXResolution>{0}</scan:MaxOpticalXResolution><scan:MaxOpticalYResolution>{0}</scan:MaxOpticalYResolution>",
        c.resolutions.iter().max().copied().unwrap_or(300)
    ));
}

fn parse_source_caps(n: roxmltree::Node) -> Result<SourceCaps, XmlError> {
    let num = |name: &'static str| -> Result<u32, XmlError> {
        child_text(n, NS_SCAN, name)
            .ok_or(XmlError::Missing(name))?
            .trim()
            .parse::<u32>()
            .map_err(|_| XmlError::Invalid(name))
    };
    let mut color_modes = Vec::new();
    let mut formats: Vec<String> = Vec::new();
    let mut resolutions = Vec::new();
    for d in n.descendants().filter(|d| d.is_element()) {
        let text = || d.text().unwrap_or("").trim();
        if is(d, NS_SCAN, "ColorMode") {
            if let Some(m) = ColorMode::parse(text()) {
                if !color_modes.contains(&m) {
                    color_modes.push(m);
                }
            }
        } else if is(d, NS_PWG, "DocumentFormat") || is(d, NS_SCAN, "DocumentFormatExt") {
            let f = text().to_ascii_lowercase();
            if !f.is_empty() && f.len() < 100 && !formats.contains(&f) {
                formats.push(f);
            }
        } else if is(d, NS_SCAN, "DiscreteResolution") {
            if let Some(r) = child_text(d, NS_SCAN, "XResolution") {
                let r: u32 = r
                    .trim()
                    .parse()
                    .map_err(|_| XmlError::Invalid("XResolution"))?;
                if (1..=4800).contains(&r) && !resolutions.contains(&r) {
                    resolutions.push(r);
                }
            }
        } else if is(d, NS_SCAN, "ResolutionRange") {
            // A range: offer the resolutions officers pick from that fall inside it.
            if let Some(x) = child(d, NS_SCAN, "XResolutionRange") {
                let lo = child_text(x, NS_SCAN, "Min").and_then(|s| s.trim().parse::<u32>().ok());
                let hi = child_text(x, NS_SCAN, "Max").and_then(|s| s.trim().parse::<u32>().ok());
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    for r in [75, 100, 150, 200, 300, 600] {
                        if (lo..=hi).contains(&r) && !resolutions.contains(&r) {
                            resolutions.push(r);
                        }
                    }
                }
            }
        }
    }
    resolutions.sort_unstable();
    if color_modes.is_empty() {
        return Err(XmlError::Missing("scan:ColorMode"));
    }
    if resolutions.is_empty() {
        return Err(XmlError::Missing("scan:DiscreteResolution"));
    }
    Ok(SourceCaps {
        min_width: num("MinWidth")?,
        max_width: num("MaxWidth")?,
        min_height: num("MinHeight")?,
        max_height: num("MaxHeight")?,
        color_modes,
        formats,
        resolutions,
    })
}

/// `pwg:State` of the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScannerState {
    Idle,
    Processing,
    Testing,
    Stopped,
    Down,
}

impl ScannerState {
    pub fn escl(self) -> &'static str {
        match self {
            ScannerState::Idle => "Idle",
            ScannerState::Processing => "Processing",
            ScannerState::Testing => "Testing",
            ScannerState::Stopped => "Stopped",
            ScannerState::Down => "Down",
        }
    }
    fn parse(s: &str) -> Option<ScannerState> {
        Some(match s.trim() {
            "Idle" => ScannerState::Idle,
            "Processing" => ScannerState::Processing,
            "Testing" => ScannerState::Testing,
            "Stopped" => ScannerState::Stopped,
            "Down" => ScannerState::Down,
            _ => return None,
        })
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            ScannerState::Idle => "Sẵn sàng",
            ScannerState::Processing => "Đang quét",
            ScannerState::Testing => "Đang khởi động",
            ScannerState::Stopped => "Đã dừng (kiểm tra máy)",
            ScannerState::Down => "Hỏng / mất kết nối",
        }
    }
}

/// `scan:AdfState`, reduced to what an officer must act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdfState {
    Loaded,
    Empty,
    Jam,
    DoorOpen,
    Other,
}

impl AdfState {
    pub fn escl(self) -> &'static str {
        match self {
            AdfState::Loaded => "ScannerAdfLoaded",
            AdfState::Empty => "ScannerAdfEmpty",
            AdfState::Jam => "ScannerAdfJam",
            AdfState::DoorOpen => "ScannerAdfHatchOpen",
            AdfState::Other => "ScannerAdfProcessing",
        }
    }
    fn parse(s: &str) -> AdfState {
        match s.trim() {
            "ScannerAdfLoaded" => AdfState::Loaded,
            "ScannerAdfEmpty" => AdfState::Empty,
            "ScannerAdfJam" | "ScannerAdfMultipickDetected" => AdfState::Jam,
            "ScannerAdfDoorOpen" | "ScannerAdfHatchOpen" => AdfState::DoorOpen,
            _ => AdfState::Other,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            AdfState::Loaded => "Có giấy trong khay",
            AdfState::Empty => "Khay nạp giấy trống",
            AdfState::Jam => "Kẹt giấy",
            AdfState::DoorOpen => "Nắp khay đang mở",
            AdfState::Other => "Khay đang hoạt động",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobInfo {
    pub uri: String,
    pub state: String,
    pub images_completed: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerStatus {
    pub state: ScannerState,
    pub adf: Option<AdfState>,
    pub jobs: Vec<JobInfo>,
}

impl ScannerStatus {
    pub fn parse(xml: &[u8]) -> Result<ScannerStatus, XmlError> {
        let text = checked_text(xml)?;
        let doc = parse_doc(text)?;
        let root = doc.root_element();
        if !is(root, NS_SCAN, "ScannerStatus") {
            return Err(XmlError::Missing("scan:ScannerStatus"));
        }
        let state = child_text(root, NS_PWG, "State").ok_or(XmlError::Missing("pwg:State"))?;
        let state = ScannerState::parse(state).ok_or(XmlError::Invalid("pwg:State"))?;
        let adf = child_text(root, NS_SCAN, "AdfState").map(AdfState::parse);
        let mut jobs = Vec::new();
        if let Some(js) = child(root, NS_SCAN, "Jobs") {
            for j in js.children().filter(|j| is(*j, NS_SCAN, "JobInfo")) {
                jobs.push(JobInfo {
                    uri: child_text(j, NS_PWG, "JobUri").unwrap_or("").trim().into(),
                    state: child_text(j, NS_PWG, "JobState")
                        .unwrap_or("")
                        .trim()
                        .into(),
                    images_completed: child_text(j, NS_PWG, "ImagesCompleted")
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(0),
                });
            }
        }
        Ok(ScannerStatus { state, adf, jobs })
    }

    pub fn to_xml(&self) -> String {
        let mut x = String::with_capacity(1024);
        x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        x.push('\n');
        x.push_str(&format!(
            r#"<scan:ScannerStatus xmlns:scan="{NS_SCAN}" xmlns:pwg="{NS_PWG}"><pwg:Version>2.63</pwg:Version><pwg:State>{}</pwg:State>"#,
            self.state.escl()
        ));
        if let Some(a) = self.adf {
            x.push_str(&format!("<scan:AdfState>{}</scan:AdfState>", a.escl()));
        }
        if !self.jobs.is_empty() {
            x.push_str("<scan:Jobs>");
            for j in &self.jobs {
                x.push_str(&format!(
                    "<scan:JobInfo><pwg:JobUri>{}</pwg:JobUri><pwg:JobUuid>{}</pwg:JobUuid><pwg:Age>1</pwg:Age><pwg:ImagesCompleted>{}</pwg:ImagesCompleted><pwg:ImagesToTransfer>0</pwg:ImagesToTransfer><pwg:JobState>{}</pwg:JobState></scan:JobInfo>",
                    esc(&j.uri),
                    esc(j.uri.rsplit('/').next().unwrap_or("")),
                    j.images_completed,
                    esc(&j.state)
                ));
            }
            x.push_str("</scan:Jobs>");
        }
        x.push_str("</scan:ScannerStatus>\n");
        x
    }
}

/// One scan request. Region in 1/300 inch, from the top-left corner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSettings {
    pub source: InputSource,
    pub color: ColorMode,
    pub resolution: u32,
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub duplex: bool,
}

impl ScanSettings {
    /// An A4 page of text: the dossier default.
    pub fn a4(source: InputSource, color: ColorMode, resolution: u32) -> ScanSettings {
        ScanSettings {
            source,
            color,
            resolution,
            width: A4_WIDTH,
            height: A4_HEIGHT,
            format: "image/jpeg".into(),
            duplex: false,
        }
    }

    /// Fits the request to what the device offers: nearest resolution, region clipped to
    /// the input's maximum, a colour mode it has. Errors when the input does not exist.
    pub fn fit_to(&mut self, caps: &Capabilities) -> Result<(), XmlError> {
        let src = caps.source(self.source).ok_or(XmlError::NoSource)?;
        if let Some(r) = src.nearest_resolution(self.resolution) {
            self.resolution = r;
        }
        self.width = self
            .width
            .clamp(src.min_width, src.max_width.max(src.min_width));
        self.height = self
            .height
            .clamp(src.min_height, src.max_height.max(src.min_height));
        if !src.color_modes.contains(&self.color) {
            // Grey keeps text readable where the device lacks the mode asked for.
            self.color = *src
                .color_modes
                .iter()
                .find(|m| **m == ColorMode::Gray)
                .unwrap_or(&src.color_modes[0]);
        }
        if !src.formats.is_empty() && !src.formats.iter().any(|f| f == &self.format) {
            return Err(XmlError::Invalid("DocumentFormat (máy không trả ảnh JPEG)"));
        }
        self.duplex = self.duplex && self.source == InputSource::Feeder && caps.duplex;
        Ok(())
    }

    /// Pixel size of a page scanned with these settings.
    pub fn pixels(&self) -> (u32, u32) {
        let px = |v: u32| ((v as u64 * self.resolution as u64) / 300).max(1) as u32;
        (px(self.width), px(self.height))
    }

    pub fn to_xml(&self) -> String {
        let mut x = String::with_capacity(1024);
        x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        x.push('\n');
        x.push_str(&format!(
            r#"<scan:ScanSettings xmlns:scan="{NS_SCAN}" xmlns:pwg="{NS_PWG}"><pwg:Version>2.0</pwg:Version><scan:Intent>Document</scan:Intent>"#
        ));
        x.push_str(&format!(
            "<pwg:ScanRegions><pwg:ScanRegion><pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits><pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset><pwg:Width>{}</pwg:Width><pwg:Height>{}</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>",
            self.width, self.height
        ));
        x.push_str(&format!(
            "<pwg:InputSource>{}</pwg:InputSource><scan:ColorMode>{}</scan:ColorMode><pwg:DocumentFormat>{2}</pwg:DocumentFormat><scan:DocumentFormatExt>{2}</scan:DocumentFormatExt><scan:XResolution>{3}</scan:XResolution><scan:YResolution>{3}</scan:YResolution>",
            self.source.escl(),
            self.color.escl(),
            esc(&self.format),
            self.resolution
        ));
        if self.source == InputSource::Feeder {
            x.push_str(&format!("<scan:Duplex>{}</scan:Duplex>", self.duplex));
        }
        x.push_str("</scan:ScanSettings>\n");
        x
    }

    /// What the simulated scanner accepts: clients differ in what they send, so only the
    /// source is required; everything else has a device default.
    pub fn parse(xml: &[u8]) -> Result<ScanSettings, XmlError> {
        let text = checked_text(xml)?;
        let doc = parse_doc(text)?;
        let root = doc.root_element();
        if !is(root, NS_SCAN, "ScanSettings") {
            return Err(XmlError::Missing("scan:ScanSettings"));
        }
        let find = |ns: &str, name: &str| -> Option<String> {
            root.descendants()
                .find(|d| is(*d, ns, name))
                .and_then(|d| d.text())
                .map(|s| s.trim().to_string())
        };
        let num = |ns: &str, name: &'static str, default: u32| -> Result<u32, XmlError> {
            match find(ns, name) {
                None => Ok(default),
                Some(s) => s.parse().map_err(|_| XmlError::Invalid(name)),
            }
        };
        let source = match find(NS_PWG, "InputSource") {
            Some(s) => InputSource::parse(&s).ok_or(XmlError::Invalid("pwg:InputSource"))?,
            None => InputSource::Platen,
        };
        let color = match find(NS_SCAN, "ColorMode") {
            Some(s) => ColorMode::parse(&s).ok_or(XmlError::Invalid("scan:ColorMode"))?,
            None => ColorMode::Color,
        };
        let format = find(NS_SCAN, "DocumentFormatExt")
            .or_else(|| find(NS_PWG, "DocumentFormat"))
            .unwrap_or_else(|| "image/jpeg".into());
        Ok(ScanSettings {
            source,
            color,
            resolution: num(NS_SCAN, "XResolution", 300)?,
            width: num(NS_PWG, "Width", A4_WIDTH)?,
            height: num(NS_PWG, "Height", A4_HEIGHT)?,
            format,
            duplex: find(NS_SCAN, "Duplex").is_some_and(|d| d == "true" || d == "1"),
        })
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------

fn checked_text(xml: &[u8]) -> Result<&str, XmlError> {
    if xml.len() > MAX_XML {
        return Err(XmlError::TooLarge(xml.len()));
    }
    let text =
        std::str::from_utf8(xml).map_err(|_| XmlError::Malformed("không phải UTF-8".into()))?;
    Ok(text.trim_start_matches('\u{feff}'))
}

fn parse_doc(text: &str) -> Result<roxmltree::Document<'_>, XmlError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let mut m = e.to_string();
        m.truncate(200);
        XmlError::Malformed(m)
    })
}

fn is(n: roxmltree::Node, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(ns)
}

fn child<'a, 'i>(
    n: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| is(*c, ns, name))
}

fn child_text<'a>(n: roxmltree::Node<'a, '_>, ns: &str, name: &str) -> Option<&'a str> {
    child(n, ns, name).and_then(|c| c.text())
}

/// XML text escaping for the few free-text values we write.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Capabilities as a real multifunction printer sends them: other prefixes, a
    /// resolution range, extra elements we do not know.
    const FOREIGN_CAPS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<e:ScannerCapabilities xmlns:e="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:p="http://www.pwg.org/schemas/2010/12/sm" xmlns:x="urn:vendor">
 <p:Version>2.6</p:Version><p:MakeAndModel>Brother MFC-L2710DW</p:MakeAndModel>
 <e:UUID>e3248000-80ce-11db-8000-30055c773bcf</e:UUID>
 <x:Whatever><e:ColorMode>RGB24</e:ColorMode></x:Whatever>
 <e:Platen><e:PlatenInputCaps><e:MinWidth>16</e:MinWidth><e:MaxWidth>2550</e:MaxWidth>
  <e:MinHeight>16</e:MinHeight><e:MaxHeight>3508</e:MaxHeight>
  <e:SettingProfiles><e:SettingProfile><e:ColorModes><e:ColorMode>Grayscale8</e:ColorMode><e:ColorMode>RGB24</e:ColorMode><e:ColorMode>Bogus</e:ColorMode></e:ColorModes>
  <e:DocumentFormats><p:DocumentFormat>application/pdf</p:DocumentFormat><p:DocumentFormat>image/jpeg</p:DocumentFormat></e:DocumentFormats>
  <e:SupportedResolutions><e:ResolutionRange><e:XResolutionRange><e:Min>100</e:Min><e:Max>300</e:Max><e:Step>100</e:Step></e:XResolutionRange></e:ResolutionRange></e:SupportedResolutions>
  </e:SettingProfile></e:SettingProfiles></e:PlatenInputCaps></e:Platen>
</e:ScannerCapabilities>"#;

    fn sample_caps() -> Capabilities {
        let src = SourceCaps {
            min_width: 16,
            max_width: 2550,
            min_height: 16,
            max_height: 4200,
            color_modes: vec![ColorMode::Bw, ColorMode::Gray, ColorMode::Color],
            formats: vec!["image/jpeg".into(), "application/pdf".into()],
            resolutions: vec![75, 150, 300],
        };
        Capabilities {
            make_and_model: "Máy quét <mô phỏng> & co".into(),
            uuid: Some("1234".into()),
            platen: Some(src.clone()),
            feeder: Some(src),
            duplex: true,
        }
    }

    #[test]
    fn capabilities_round_trip_through_xml() {
        let caps = sample_caps();
        let back = Capabilities::parse(caps.to_xml().as_bytes()).unwrap();
        assert_eq!(back, caps);
    }

    #[test]
    fn foreign_prefixes_and_ranges_are_understood() {
        let caps = Capabilities::parse(FOREIGN_CAPS.as_bytes()).unwrap();
        assert_eq!(caps.make_and_model, "Brother MFC-L2710DW");
        assert!(caps.feeder.is_none());
        let p = caps.platen.unwrap();
        assert_eq!(p.color_modes, vec![ColorMode::Gray, ColorMode::Color]);
        assert_eq!(p.resolutions, vec![100, 150, 200, 300]);
        assert_eq!(p.formats, vec!["application/pdf", "image/jpeg"]);
        assert_eq!(p.nearest_resolution(250), Some(300));
        assert_eq!(p.nearest_resolution(600), Some(300));
    }

    #[test]
    fn hostile_or_broken_documents_give_errors() {
        let big = vec![b' '; MAX_XML + 1];
        assert_eq!(
            Capabilities::parse(&big),
            Err(XmlError::TooLarge(MAX_XML + 1))
        );
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><scan:ScannerCapabilities xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">&lol2;</scan:ScannerCapabilities>"#;
        assert!(matches!(
            Capabilities::parse(bomb.as_bytes()),
            Err(XmlError::Malformed(_))
        ));
        // Right names, wrong namespace.
        let wrong_ns =
            FOREIGN_CAPS.replace("http://schemas.hp.com/imaging/escl/2011/05/03", "urn:other");
        assert_eq!(
            Capabilities::parse(wrong_ns.as_bytes()),
            Err(XmlError::Missing("scan:ScannerCapabilities"))
        );
        // Neither glass nor feeder.
        let none = format!(r#"<s:ScannerCapabilities xmlns:s="{NS_SCAN}"/>"#);
        assert_eq!(
            Capabilities::parse(none.as_bytes()),
            Err(XmlError::NoSource)
        );
        // Not a number.
        let bad = FOREIGN_CAPS.replace("<e:MaxWidth>2550", "<e:MaxWidth>wide");
        assert_eq!(
            Capabilities::parse(bad.as_bytes()),
            Err(XmlError::Invalid("MaxWidth"))
        );
        assert!(matches!(
            Capabilities::parse(&[0xff, 0xfe, 0x00]),
            Err(XmlError::Malformed(_))
        ));
        // Too many elements, small enough to pass the size cap.
        let many = format!(
            r#"<s:ScannerCapabilities xmlns:s="{NS_SCAN}">{}</s:ScannerCapabilities>"#,
            "<a/>".repeat(30_000)
        );
        assert!(matches!(
            Capabilities::parse(many.as_bytes()),
            Err(XmlError::Malformed(_))
        ));
    }

    #[test]
    fn every_truncation_of_valid_documents_is_an_error_not_a_panic() {
        let caps = sample_caps().to_xml();
        let status = ScannerStatus {
            state: ScannerState::Processing,
            adf: Some(AdfState::Jam),
            jobs: vec![JobInfo {
                uri: "/eSCL/ScanJobs/1".into(),
                state: "Processing".into(),
                images_completed: 2,
            }],
        }
        .to_xml();
        let settings = ScanSettings::a4(InputSource::Feeder, ColorMode::Gray, 300).to_xml();
        for doc in [&caps, &status, &settings] {
            // Cut at every char boundary until the closing tag.
            let body_end = doc.trim_end().len() - 1;
            for cut in (0..body_end).filter(|c| doc.is_char_boundary(*c)) {
                let part = &doc.as_bytes()[..cut];
                assert!(Capabilities::parse(part).is_err());
                assert!(ScannerStatus::parse(part).is_err());
                assert!(ScanSettings::parse(part).is_err());
            }
        }
    }

    #[test]
    fn status_round_trip_and_unknown_adf_states() {
        let s = ScannerStatus {
            state: ScannerState::Idle,
            adf: Some(AdfState::Empty),
            jobs: vec![],
        };
        assert_eq!(ScannerStatus::parse(s.to_xml().as_bytes()).unwrap(), s);
        let odd = format!(
            r#"<a:ScannerStatus xmlns:a="{NS_SCAN}" xmlns:b="{NS_PWG}"><b:State>Idle</b:State><a:AdfState>ScannerAdfSomethingNew</a:AdfState></a:ScannerStatus>"#
        );
        assert_eq!(
            ScannerStatus::parse(odd.as_bytes()).unwrap().adf,
            Some(AdfState::Other)
        );
        let bad = odd.replace(">Idle<", ">Sleeping<");
        assert_eq!(
            ScannerStatus::parse(bad.as_bytes()),
            Err(XmlError::Invalid("pwg:State"))
        );
    }

    #[test]
    fn settings_round_trip_and_fit_to_the_device() {
        let mut s = ScanSettings::a4(InputSource::Feeder, ColorMode::Gray, 200);
        s.duplex = true;
        assert_eq!(ScanSettings::parse(s.to_xml().as_bytes()).unwrap(), s);
        let caps = Capabilities::parse(FOREIGN_CAPS.as_bytes()).unwrap();
        assert_eq!(s.fit_to(&caps), Err(XmlError::NoSource));
        let mut s = ScanSettings::a4(InputSource::Platen, ColorMode::Bw, 250);
        s.height = 9999;
        s.fit_to(&caps).unwrap();
        assert_eq!(
            (s.resolution, s.height, s.color),
            (300, 3508, ColorMode::Gray)
        );
        assert_eq!(s.pixels(), (2480, 3508));
        // "Flatbed" as sent by some clients.
        let flat = s.to_xml().replace(">Platen<", ">Flatbed<");
        assert_eq!(
            ScanSettings::parse(flat.as_bytes()).unwrap().source,
            InputSource::Platen
        );
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn docs() -> Vec<String> {
            vec![
                sample_caps().to_xml(),
                FOREIGN_CAPS.to_string(),
                ScannerStatus {
                    state: ScannerState::Idle,
                    adf: Some(AdfState::Loaded),
                    jobs: vec![],
                }
                .to_xml(),
                ScanSettings::a4(InputSource::Feeder, ColorMode::Color, 300).to_xml(),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

            /// Arbitrary bytes: an error or a value, never a panic.
            #[test]
            fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
                let _ = Capabilities::parse(&bytes);
                let _ = ScannerStatus::parse(&bytes);
                let _ = ScanSettings::parse(&bytes);
            }

            /// Valid documents with bytes overwritten, inserted or cut out.
            #[test]
            fn mutated_documents(which in 0usize..4, edits in proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 1..8)) {
                let mut b = docs()[which].clone().into_bytes();
                for (pos, byte, op) in edits {
                    if b.is_empty() { break; }
                    let i = pos as usize % b.len();
                    match op {
                        0 => b[i] = byte,
                        1 => b.insert(i, byte),
                        _ => { b.remove(i); }
                    }
                }
                if let Ok(c) = Capabilities::parse(&b) {
                    // Whatever parses has an input and can be written back.
                    prop_assert!(c.platen.is_some() || c.feeder.is_some());
                    let _ = Capabilities::parse(c.to_xml().as_bytes());
                }
                let _ = ScannerStatus::parse(&b);
                let _ = ScanSettings::parse(&b);
            }
        }
    }
}
