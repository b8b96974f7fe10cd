import { createRouter, createWebHashHistory } from 'vue-router'
import ExperimentsView from './views/ExperimentsView.vue'

/** Hash routing: the same build works from `tmu://app/` and from the serve-mode server. */
export function createWorkbenchRouter() {
  return createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/experiments' },
      {
        path: '/datasets',
        component: () => import('./views/DatasetsView.vue'),
        meta: { title: 'Datasets' },
      },
      { path: '/zoo', component: () => import('./views/ZooView.vue'), meta: { title: 'Zoo' } },
      { path: '/experiments', component: ExperimentsView, meta: { title: 'Experiments' } },
      {
        path: '/compare',
        component: () => import('./views/CompareView.vue'),
        meta: { title: 'Compare' },
      },
      {
        path: '/settings',
        component: () => import('./views/SettingsView.vue'),
        meta: { title: 'Settings' },
      },
      { path: '/:unknown(.*)*', redirect: '/experiments' },
    ],
  })
}
