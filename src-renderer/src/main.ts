import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { createApiClient, provideApi } from './api/client'
import { createIpcTransport } from './api/ipc-transport'
import { apiSocketUrl, createWebSocketTransport } from './api/ws-transport'
import { createWorkbenchRouter } from './router'
import './styles/base.css'

// The desktop window has the preload's bridge; a browser (serve mode) talks WebSocket.
const transport = window.tmuBridge
  ? createIpcTransport(window.tmuBridge)
  : createWebSocketTransport(apiSocketUrl(window.location))

// The token in the address bar has done its job (the server set a cookie): keep it out of
// bookmarks, screenshots and the history.
if (new URLSearchParams(window.location.search).has('token')) {
  window.history.replaceState(null, '', window.location.pathname + window.location.hash)
}

const app = createApp(App)
provideApi(app, createApiClient(transport))
app.use(createPinia())
app.use(createWorkbenchRouter())
app.mount('#app')
