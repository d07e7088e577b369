import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { takeMailedLink } from './mailed-link';
import './styles.css';

// Before anything reads the address: a mailed link's secret leaves the address bar first.
takeMailedLink();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
