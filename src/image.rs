//! The in-memory image every op and metric works on: `height × width × channels` f64 samples in
//! row-major, channel-interleaved order — exactly numpy's C-ordered `(H, W)` or `(H, W, C)` array,
//! so that reductions (`np.var` and friends) can walk `data` in numpy's memory order.

/// An image of f64 samples, `data[(y * width + x) * channels + c]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Image {
    pub height: usize,
    pub width: usize,
    /// 1 (gray) or 3 (RGB). Alpha is dropped on load.
    pub channels: usize,
    pub data: Vec<f64>,
}

impl Image {
    /// A zero-filled image.
    pub fn zeros(height: usize, width: usize, channels: usize) -> Image {
        Image {
            height,
            width,
            channels,
            data: vec![0.0; height * width * channels],
        }
    }

    /// Wraps `data`; `None` if its length is not `height * width * channels`.
    pub fn from_vec(height: usize, width: usize, channels: usize, data: Vec<f64>) -> Option<Image> {
        (height.checked_mul(width)?.checked_mul(channels)? == data.len()).then_some(Image {
            height,
            width,
            channels,
            data,
        })
    }

    /// Samples per row (`width * channels`).
    pub fn row_len(&self) -> usize {
        self.width * self.channels
    }

    /// Number of pixels (`height * width`).
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// Channel `c` as a one-channel image (`image[..., c]`, copied).
    pub fn channel(&self, c: usize) -> Image {
        let data = if self.channels == 1 {
            self.data.clone()
        } else {
            self.data
                .iter()
                .skip(c)
                .step_by(self.channels.max(1))
                .copied()
                .collect()
        };
        Image {
            height: self.height,
            width: self.width,
            channels: 1,
            data,
        }
    }
}
