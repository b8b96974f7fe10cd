import { createRouter, createWebHashHistory, type RouteLocationNormalized } from 'vue-router'
import ExperimentsView from './views/ExperimentsView.vue'

const numericParam = (name: string) => (route: RouteLocationNormalized) => ({
  id: Number(route.params[name]),
})

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
        path: '/experiments/:id(\\d+)',
        component: () => import('./views/ExperimentDetailView.vue'),
        props: numericParam('id'),
        meta: { title: 'Experiment' },
      },
      {
        path: '/runs',
        component: () => import('./views/RunsView.vue'),
        meta: { title: 'Runs' },
      },
      {
        path: '/runs/new',
        component: () => import('./views/NewRunView.vue'),
        props: (route) => ({
          experimentId: route.query.experiment ? Number(route.query.experiment) : null,
          cloneFromRunId: route.query.from ? Number(route.query.from) : null,
          dataset: typeof route.query.dataset === 'string' ? route.query.dataset : null,
        }),
        meta: { title: 'New run' },
      },
      {
        path: '/runs/:id(\\d+)',
        component: () => import('./views/RunDetailView.vue'),
        props: numericParam('id'),
        meta: { title: 'Run' },
      },
      {
        path: '/studies',
        component: () => import('./views/StudiesView.vue'),
        meta: { title: 'Studies' },
      },
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
