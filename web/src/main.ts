import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import { installAuth } from './auth/guard'
import { router } from './router'
import { useSessionStore } from './stores/session'
import './styles/theme.css'

const pinia = createPinia()
installAuth(router, useSessionStore(pinia))

createApp(App).use(pinia).use(router).mount('#app')
