// How one item looks anywhere in the app: a thumbnail for images, a snippet for texts.

import { ItemSummary, mediaUrl } from './api';
import { el } from './dom';
import { state } from './state';

export function itemCard(item: ItemSummary, onClick?: (item: ItemSummary) => void): HTMLElement {
  const card = el('div', { class: 'card', 'data-id': item.id, 'data-row': item.row, tabindex: 0 });
  if (item.image) {
    card.append(
      el('img', { src: mediaUrl(state.dataset, 'thumbnail', item.id), alt: item.id, loading: 'lazy' }),
    );
  }
  if (item.text !== null && item.text !== undefined) {
    card.append(el('p', { class: 'snippet', text: item.text }));
  }
  const caption = el('div', { class: 'caption' }, el('span', { class: 'id', text: item.id }));
  if (item.label !== null) caption.append(el('span', { class: 'label', text: item.label }));
  if (item.score !== undefined) caption.append(el('span', { class: 'score', text: item.score.toFixed(3) }));
  card.append(caption);
  if (onClick) {
    card.addEventListener('click', () => onClick(item));
    card.addEventListener('keydown', (e) => e.key === 'Enter' && onClick(item));
  }
  return card;
}
