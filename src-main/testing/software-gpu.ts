import { existsSync } from 'node:fs'
import { SWIFTSHADER_ICD } from '../ml/backend/webgpu'

/**
 * Points Dawn at SwiftShader's Vulkan driver (Debian's chromium ships it), so the webgpu
 * backend's tests run on a real, if slow, WebGPU device on machines without a GPU. Call
 * before the first webgpu initialisation in the process; trainers it forks inherit it.
 * Returns why the tests must skip, or null.
 */
export function useSoftwareGpu(): string | null {
  if (process.env.VK_ICD_FILENAMES) return null
  if (!existsSync(SWIFTSHADER_ICD)) {
    return `no Vulkan driver for WebGPU: ${SWIFTSHADER_ICD} is missing (apt-get install chromium)`
  }
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD
  return null
}
