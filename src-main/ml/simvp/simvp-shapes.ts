import { SimVpOptions, type ModelConfig } from '../../domain/model'

/**
 * The hidden width of TAU's squeeze-and-excitation branch over C channels, as OpenSTL writes
 * it: C // r with r = max(C // 16, 4), which is 16 for every C ≥ 256 rather than C / 16
 * (docs/method.md §2.11).
 */
export function tauSqueezeWidth(channels: number): number {
  const width = Math.floor(channels / Math.max(Math.floor(channels / 16), 4))
  if (width < 1) {
    throw new Error(
      `tau: a translator block of ${channels} channels leaves its SE branch no hidden unit (C // max(C // 16, 4) = 0); it needs at least 4 (simvp.translatorChannels, simvp.inputFrames × simvp.spatialChannels)`,
    )
  }
  return width
}

/**
 * SimVP's and TAU's parameters and running statistics by OpenSTL's names, tfjs layouts, in
 * the order simvp-network.ts creates them: what parameter-shapes.ts answers for their
 * configs, without TensorFlow.js. parameter-shapes.test.ts checks it against a real network.
 */
export function simVpParameterShapes(model: ModelConfig): Record<string, number[]> {
  const o = model.simvp ?? SimVpOptions.parse({})
  const hidS = o.spatialChannels
  const shapes: Record<string, number[]> = {}
  const conv = (name: string, k: number, cin: number, cout: number) => {
    shapes[`${name}.weight`] = [k, k, cin, cout]
    shapes[`${name}.bias`] = [cout]
  }
  const vectors = (name: string, channels: number, ...fields: string[]) => {
    for (const field of fields) shapes[`${name}.${field}`] = [channels]
  }
  const convSc = (prefix: string, k: number, cin: number, up: boolean) => {
    conv(up ? `${prefix}.conv.conv.0` : `${prefix}.conv.conv`, k, cin, up ? 4 * hidS : hidS)
    vectors(`${prefix}.conv.norm`, hidS, 'weight', 'bias')
  }
  const resamples = Array.from({ length: o.spatialBlocks }, (_, i) => i % 2 === 1)
  resamples.forEach((_, i) =>
    convSc(`enc.enc.${i}`, o.encoderKernel, i === 0 ? model.channels : hidS, false),
  )
  ;[...resamples].reverse().forEach((up, i) => convSc(`dec.dec.${i}`, o.decoderKernel, hidS, up))
  conv('dec.readout', 1, hidS, model.channels)
  const latent = o.inputFrames * hidS
  for (let i = 0; i < o.translatorBlocks; i++) {
    const dim = i === 0 ? latent : o.translatorChannels
    const out = i === o.translatorBlocks - 1 ? latent : o.translatorChannels
    const block = `hid.enc.${i}.block`
    const norm = (name: string) =>
      vectors(`${block}.${name}`, dim, 'weight', 'bias', 'running_mean', 'running_var')
    norm('norm1')
    conv(`${block}.attn.proj_1`, 1, dim, dim)
    conv(`${block}.attn.spatial_gating_unit.conv0`, 5, 1, dim)
    conv(`${block}.attn.spatial_gating_unit.conv_spatial`, 7, 1, dim)
    // gSTA's 1×1 gives [f, g]; TAU's gives f and scales it by its SE branch ([out, in]).
    const unit = `${block}.attn.spatial_gating_unit`
    conv(`${unit}.conv1`, 1, dim, model.cell === 'tau' ? dim : 2 * dim)
    if (model.cell === 'tau') {
      const hidden = tauSqueezeWidth(dim)
      shapes[`${unit}.fc.0.weight`] = [hidden, dim]
      shapes[`${unit}.fc.2.weight`] = [dim, hidden]
    }
    conv(`${block}.attn.proj_2`, 1, dim, dim)
    norm('norm2')
    conv(`${block}.mlp.fc1`, 1, dim, o.mlpRatio * dim)
    conv(`${block}.mlp.dwconv.dwconv`, 3, 1, o.mlpRatio * dim)
    conv(`${block}.mlp.fc2`, 1, o.mlpRatio * dim, dim)
    vectors(block, dim, 'layer_scale_1', 'layer_scale_2')
    if (dim !== out) conv(`hid.enc.${i}.reduction`, 1, dim, out)
  }
  return shapes
}
