// Client-side routes (history mode; the server answers unknown paths with index.html).

import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import { LOGIN_ROUTE } from '@/auth/guard'
import WallView from '@/views/WallView.vue'

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: LOGIN_ROUTE,
    component: () => import('@/views/LoginView.vue'),
    meta: { title: 'Log in', public: true },
  },
  { path: '/', name: 'wall', component: WallView, meta: { title: 'Wall' } },
  {
    path: '/channels/new',
    name: 'channel-new',
    component: () => import('@/views/ChannelEditView.vue'),
    meta: { title: 'New channel', permission: 'channels.edit' },
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
    meta: { title: 'Edit channel', permission: 'channels.edit' },
  },
  {
    path: '/import',
    name: 'import',
    component: () => import('@/views/ImportView.vue'),
    meta: { title: 'Import channels', permission: 'channels.edit' },
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
    path: '/workers',
    name: 'workers',
    component: () => import('@/views/WorkersView.vue'),
    meta: { title: 'Workers' },
  },
  {
    path: '/backups',
    name: 'backups',
    component: () => import('@/views/BackupsView.vue'),
    meta: { title: 'Backups', permission: 'backups.view' },
  },
  {
    path: '/users',
    name: 'users',
    component: () => import('@/views/UsersView.vue'),
    meta: { title: 'Users', permission: 'users.manage' },
  },
  {
    path: '/tokens',
    name: 'tokens',
    component: () => import('@/views/TokensView.vue'),
    meta: { title: 'API tokens' },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('@/views/AuditView.vue'),
    meta: { title: 'Audit log', permission: 'audit.view' },
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
  const title = to.meta.title ?? ''
  document.title = title ? `${title} · streamfleet` : 'streamfleet'
})
