/**
 * The files a dataset import reads by name, one list for the importers that detect them and
 * the desktop app's file picker that offers them.
 */
export const ARRAY_EXTENSIONS = ['.npy', '.npz'] as const

/** Containers ffmpeg decodes for the video importer. */
export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mkv', '.mov', '.webm', '.mpg', '.mpeg'] as const
