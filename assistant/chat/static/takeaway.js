element.addEventListener('click', async (event) => {
  const status = element.querySelector('.meenemen-status');
  const copy = event.target.closest('button.kopieer');
  if (copy) {
    const text = copy.dataset.md || '';
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (err) {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      try { ok = document.execCommand('copy'); } catch (err2) { ok = false; }
      area.remove();
    }
    if (status) status.textContent = ok ? copy.dataset.ok : copy.dataset.fail;
    return;
  }
  const download = event.target.closest('button.download');
  if (download) {
    const blob = new Blob([download.dataset.md || ''], {type: 'text/markdown;charset=utf-8'});
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = download.dataset.file || 'gesprek.md';
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }
});
