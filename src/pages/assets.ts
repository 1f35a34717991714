// The pages' one style sheet and one script, inline and allowed by hash (src/pages/html.ts). The chart's
// views switch with radio buttons and CSS, so only the copy button needs the script.
export const SITE_STYLE = `*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
a{color:#0b57d0}a:focus,button:focus,input:focus{outline:2px solid #0b57d0;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.3rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
header{background:#1f2933;color:#fff}header nav{display:flex;gap:1rem;align-items:center;max-width:64rem;
margin:0 auto;padding:.6rem 1rem;flex-wrap:wrap}header a{color:#fff}.brand{font-weight:700;text-decoration:none}
header form{flex:1;display:flex;gap:.4rem;min-width:12rem}header input{flex:1;padding:.35rem;font:inherit}
main{max-width:64rem;margin:0 auto;padding:1rem}h1{font-size:1.7rem;margin:.6rem 0;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:1.4rem 0 .5rem}button{padding:.35rem .8rem;font:inherit;cursor:pointer}
label{display:block;margin:.8rem 0 .2rem}form.stack input{width:100%;max-width:26rem;padding:.45rem;font:inherit}
.error{color:#a00000}.note,.muted{color:#4a4a4a}.deprecated{color:#8a3b00}
.cols{display:grid;grid-template-columns:minmax(0,2fr) minmax(14rem,1fr);gap:2rem}
@media (max-width:48rem){.cols{grid-template-columns:1fr}}
.install{display:flex;gap:.5rem;align-items:center}.install code{flex:1;background:#f1f3f5;padding:.45rem;
border-radius:4px;overflow-x:auto;white-space:nowrap}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd;
vertical-align:top}dl.facts dt{font-weight:600;margin-top:.6rem}dl.facts dd{margin:0;overflow-wrap:anywhere}
.readme{overflow-wrap:anywhere}.readme img{max-width:100%}.readme pre{background:#f6f8fa;padding:.8rem;
overflow-x:auto}.readme code{background:#f6f8fa}.readme table{width:auto}
ul.hits{list-style:none;padding:0}ul.hits li{padding:.6rem 0;border-bottom:1px solid #ddd}
.tag{display:inline-block;background:#e7edf3;border-radius:3px;padding:0 .35rem;font-size:.85rem;color:#1f2933}
.chart .view{display:none}.chart svg{width:100%;height:auto}.chart rect{fill:#0b57d0}
.chart input{position:absolute;opacity:0}.chart label{display:inline-block;margin:0 .3rem 0 0;padding:.1rem .5rem;
border:1px solid #0b57d0;border-radius:3px;cursor:pointer}.chart input:checked+label{background:#0b57d0;color:#fff}
.chart input:focus+label{outline:2px solid #0b57d0;outline-offset:2px}
#view-day:checked~.view-day,#view-week:checked~.view-week,#view-month:checked~.view-month{display:block}
.qr svg{width:12rem;height:12rem}.secret{font-family:monospace;font-size:1.1rem;letter-spacing:.1rem}
.pager{display:flex;gap:1rem;margin:1rem 0}`;

export const SITE_SCRIPT = `for(const b of document.querySelectorAll('button[data-copy]')){b.hidden=false;
b.addEventListener('click',()=>{const t=document.getElementById(b.dataset.copy).textContent;
navigator.clipboard.writeText(t).then(()=>{b.textContent='Copied'},()=>{b.textContent='Select and copy'})})}`;
