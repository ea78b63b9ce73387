"""Reference implementations of the two C3D input routes ndevid reproduces, written from a reading of the public code
(numpy + OpenCV only, no Chainer/CuPy needed):

  authors  the paper authors' evaluation_metrics.py (Zasder3/Latent-Neural-Differential-Equations-for-Video-
           Generation), the route behind the published IS: x*128 + 128 on the raw generator output (no clipping),
           every frame resized to 128x128 by cv2.resize(..., INTER_CUBIC) in float32, the float64 result's channels
           reversed (RGB -> BGR), minus the float32 mean clip reshaped to (3, 1, 16, 128, 171) and cut to columns
           21:149, then rows and columns 8:120, cast to float32.
  tgan2    TGANv2's c3d_ucf101.py (pfnet-research/tgan2): samples clipped to [-1, 1] (its make_samples), a 1x1x1
           convolution that maps RGB to BGR times 128, Chainer's resize_images to 112x112 (bilinear, source
           coordinates numpy.linspace(0, in - 1, out), upper neighbour clamped), plus a float32 bias
           128 - mean[:, :, 8:120, 8:120].

Both references score 16-frame clips; for T < 16 the first T frames of the mean are used, as ndevid does.

usage: python3 c3d_routes_reference.py CLIPS.npy MEAN.npz OUT_DIR
  CLIPS.npy  float32 (N, 3, T, H, W), RGB, generator scale ([-1, 1])
  writes OUT_DIR/authors.npy and OUT_DIR/tgan2.npy, float32 (N, 3, T, 112, 112)
"""
import sys

import cv2
import numpy as np


def authors_route(clips, mean_file):
    n, c, t, h, w = clips.shape
    mean = np.load(mean_file)['mean'].astype(np.float32)
    mean = mean.reshape((3, 1, 16, 128, 171))[:, :, :t, :, 21:149]
    frames = clips.transpose(0, 2, 3, 4, 1).reshape(n * t, h, w, c)
    frames = frames * 128 + 128
    big = np.zeros((n * t, 128, 128, 3))  # float64, as np.zeros gives
    for k in range(n * t):
        big[k] = cv2.resize(frames[k], (128, 128), interpolation=cv2.INTER_CUBIC)
    big = big.transpose(3, 0, 1, 2).reshape(3, n, t, 128, 128)
    bgr = big[::-1] - mean
    return bgr[:, :, :, 8:120, 8:120].astype(np.float32).transpose(1, 0, 2, 3, 4)


def chainer_bilinear(images, out_h, out_w):
    """Chainer's F.resize_images on (B, C, H, W) float32."""
    _, _, h, w = images.shape
    v = np.linspace(0, h - 1, num=out_h)
    u = np.linspace(0, w - 1, num=out_w)
    vw, v0 = np.modf(v)
    uw, u0 = np.modf(u)
    v0 = v0.astype(np.intp)
    u0 = u0.astype(np.intp)
    v1 = np.minimum(v0 + 1, h - 1)
    u1 = np.minimum(u0 + 1, w - 1)
    vw = vw.astype(images.dtype)[:, None]
    uw = uw.astype(images.dtype)[None, :]
    top = images[:, :, v0][:, :, :, u0] * (1 - uw) + images[:, :, v0][:, :, :, u1] * uw
    bottom = images[:, :, v1][:, :, :, u0] * (1 - uw) + images[:, :, v1][:, :, :, u1] * uw
    return (top * (1 - vw) + bottom * vw).astype(images.dtype)


def tgan2_route(clips, mean_file):
    n, c, t, h, w = clips.shape
    x = np.clip(clips, -1, 1).astype(np.float32)
    x = (x[:, ::-1] * np.float32(128)).astype(np.float32)  # the 1x1x1 conv: out[o] = 128 * in[2 - o]
    frames = x.transpose(0, 2, 1, 3, 4).reshape(n * t, c, h, w)
    frames = chainer_bilinear(np.ascontiguousarray(frames), 112, 112)
    x = frames.reshape(n, t, c, 112, 112).transpose(0, 2, 1, 3, 4)
    mean = np.load(mean_file)['mean']
    bias = (128 - mean[:, :t, 8:120, 8:120]).astype(np.float32)
    return (x + bias[None]).astype(np.float32)


def main():
    clips = np.load(sys.argv[1]).astype(np.float32)
    mean_file = sys.argv[2]
    out = sys.argv[3]
    np.save(out + '/authors.npy', np.ascontiguousarray(authors_route(clips, mean_file)))
    np.save(out + '/tgan2.npy', np.ascontiguousarray(tgan2_route(clips, mean_file)))


if __name__ == '__main__':
    main()
