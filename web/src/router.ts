// Client-side routes (history mode; the server answers unknown paths with index.html).

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import WallView from '@/views/WallView.vue'

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'wall', component: WallView, meta: { title: 'Wall' } },
  {
    path: '/channels/new',
    name: 'channel-new',
    component: () => import('@/views/ChannelEditView.vue'),
    meta: { title: 'New channel' },
  },
  {
    path: '/channels/:id(\\d+)',
    name: 'channel',
    component: () => import('@/views/ChannelView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { title: 'Channel' },
  },
  {
    path: '/channels/:id(\\d+)/edit',
    name: 'channel-edit',
    component: () => import('@/views/ChannelEditView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { title: 'Edit channel' },
  },
  {
    path: '/import',
    name: 'import',
    component: () => import('@/views/ImportView.vue'),
    meta: { title: 'Import channels' },
  },
  {
    path: '/alerts',
    name: 'alerts',
    component: () => import('@/views/AlertsView.vue'),
    meta: { title: 'Alerts' },
  },
  {
    path: '/targets',
    name: 'targets',
    component: () => import('@/views/TargetsView.vue'),
    meta: { title: 'Notification targets' },
  },
  {
    path: '/backups',
    name: 'backups',
    component: () => import('@/views/BackupsView.vue'),
    meta: { title: 'Backups' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { title: 'Not found' },
  },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
})

router.afterEach((to) => {
  const title = typeof to.meta.title === 'string' ? to.meta.title : ''
  document.title = title ? `${title} · streamfleet` : 'streamfleet'
})
