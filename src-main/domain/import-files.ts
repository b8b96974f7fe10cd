/**
 * The files a dataset import reads by name, one list for the importers that detect them and
 * the desktop app's file picker that offers them.
 */
export const ARRAY_EXTENSIONS = ['.npy', '.npz'] as const

/** Containers ffmpeg decodes for the video importer. */
export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mkv', '.mov', '.webm', '.mpg', '.mpeg'] as const

/**
 * Axis orders a .npy of clips comes in. `TNHW` is the published Moving MNIST file
 * (`mnist_test_seq.npy`, 20×10000×64×64, time first); `NTHW`, `NTHWC` and `NTCHW` put clips
 * first; `THW` and `THWC` are one clip (what `tmu predict --out clip.npy` writes, and a clip
 * to predict from).
 */
export const NPY_LAYOUTS = ['TNHW', 'NTHW', 'NTHWC', 'NTCHW', 'THW', 'THWC'] as const
export type NpyLayout = (typeof NPY_LAYOUTS)[number]
