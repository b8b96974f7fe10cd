import { createApp } from 'vue'
import '../styles/base.css'
import PlayerBench from './PlayerBench.vue'

// bench/player.ts loads this page: the product's player, fed synthetic clips, no API.
const params = new URLSearchParams(location.search)
const number = (name: string, fallback: number) => Number(params.get(name) ?? fallback)
createApp(PlayerBench, {
  runs: number('runs', 8),
  size: number('size', 128),
  frames: number('frames', 20),
  zoom: number('zoom', 2),
  tmuSources: number('tmuSources', 0),
}).mount('#app')
