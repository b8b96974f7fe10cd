import { watchEffect, type Ref } from 'vue'

/**
 * Draws one uint8 frame on a canvas at an integer zoom with nearest-neighbour scaling: the frame
 * goes onto a native-size scratch canvas (putImageData), which is then drawn scaled
 * (drawImage, imageSmoothingEnabled = false), so every model pixel stays a crisp square.
 */
export function useFrameCanvas(
  canvas: Ref<HTMLCanvasElement | null>,
  image: () => ImageData | undefined,
  zoom: Ref<number>,
) {
  const scratch = document.createElement('canvas')
  const scratchContext = scratch.getContext('2d')!

  watchEffect(
    () => {
      const target = canvas.value
      const frame = image()
      if (!target || !frame) return
      const width = frame.width * zoom.value
      const height = frame.height * zoom.value
      if (target.width !== width || target.height !== height) {
        target.width = width
        target.height = height
      }
      if (scratch.width !== frame.width || scratch.height !== frame.height) {
        scratch.width = frame.width
        scratch.height = frame.height
      }
      scratchContext.putImageData(frame, 0, 0)
      const context = target.getContext('2d')!
      context.imageSmoothingEnabled = false
      context.drawImage(scratch, 0, 0, width, height)
    },
    { flush: 'post' },
  )
}
