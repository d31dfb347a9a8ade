(function(){
"use strict";
var D=JSON.parse(document.getElementById("data").textContent);
var PER=100,page=0,sortCol=-1,sortDir=1,filter="";
var nm=D.metrics.length,no=D.outputs.length,pin=D.prefix.input,pout=D.prefix.outputs;
var rows=D.rows,view=[];
var tbody=document.querySelector("#tbl tbody"),info=document.getElementById("pageinfo");
var sel=document.getElementById("status");
function cmp(a,b){if(a===b)return 0;if(a===null||a===undefined)return 1;if(b===null||b===undefined)return -1;return a<b?-1:1;}
function build(){
  view=[];
  for(var k=0;k<rows.length;k++){var r=rows[k];if(filter===""||D.status[r[2]]===filter)view.push(r);}
  if(sortCol<0){view.sort(function(a,b){var fa=D.status[a[2]]==="failed"?0:1,fb=D.status[b[2]]==="failed"?0:1;return fa-fb||a[0]-b[0];});}
  else{var c=sortCol;view.sort(function(a,b){var x=a[c],y=b[c];if(c===2){x=D.status[x];y=D.status[y];}var s=cmp(x,y);if(x===null||x===undefined||y===null||y===undefined)return s;return s*sortDir||a[0]-b[0];});}
  var pages=Math.max(1,Math.ceil(view.length/PER));if(page>=pages)page=pages-1;
  render(pages);
}
function td(text,cls){var e=document.createElement("td");if(cls)e.className=cls;if(text!==null&&text!==undefined)e.textContent=text;return e;}
function thumb(uri,alt){var i=document.createElement("img");i.className="th";i.src=uri;i.alt=alt;i.loading="lazy";return i;}
function fmt(v){if(v===null||v===undefined)return "";var a=Math.abs(v);if(a!==0&&(a<1e-3||a>=1e5))return v.toExponential(4);return String(+v.toPrecision(6));}
function render(pages){
  var frag=document.createDocumentFragment(),start=page*PER,end=Math.min(view.length,start+PER);
  for(var k=start;k<end;k++){
    var r=rows.length?view[k]:null,st=D.status[r[2]],tr=document.createElement("tr");
    tr.setAttribute("data-i",r[0]);if(st==="failed")tr.className="failed";
    tr.appendChild(td(r[0],"num"));
    tr.appendChild(td(pin+r[1],"in"));
    var s=td(null);var b=document.createElement("span");b.className="st "+st.replace(/[^a-z]/g,"");b.textContent=st;s.appendChild(b);tr.appendChild(s);
    tr.appendChild(td(r[3],"err"));
    for(var m=0;m<nm;m++)tr.appendChild(td(fmt(r[4+m]),"num"));
    for(var o=0;o<no;o++){var c=td(null),p=r[4+nm+o];if(p!==null&&p!==undefined){p=pout[o]+p;var a=document.createElement("a");a.href=p;a.textContent=p.split("/").pop();c.appendChild(a);}tr.appendChild(c);}
    tr.appendChild(td(r[4+nm+no]===null?"":r[4+nm+no],"num"));
    var t=D.thumbs[r[0]],ti=td(null),to=td(null);
    if(t){if(t[0])ti.appendChild(thumb(t[0],"input "+r[0]));if(t[1])to.appendChild(thumb(t[1],"result "+r[0]));}
    tr.appendChild(ti);tr.appendChild(to);
    frag.appendChild(tr);
  }
  tbody.replaceChildren(frag);
  info.textContent=view.length?("rows "+(start+1)+"–"+end+" of "+view.length+" · page "+(page+1)+" of "+pages):"no rows";
  document.getElementById("prev").disabled=page===0;
  document.getElementById("next").disabled=page>=pages-1;
}
var ths=document.querySelectorAll("#tbl thead th");
for(var h=0;h<ths.length;h++){(function(col,th){if(th.hasAttribute("data-nosort"))return;th.addEventListener("click",function(){
  if(sortCol===col)sortDir=-sortDir;else{sortCol=col;sortDir=1;}
  for(var j=0;j<ths.length;j++)ths[j].removeAttribute("aria-sort");
  th.setAttribute("aria-sort",sortDir>0?"ascending":"descending");page=0;build();});})(h,ths[h]);}
sel.addEventListener("change",function(){filter=sel.value;page=0;build();});
document.getElementById("prev").addEventListener("click",function(){if(page>0){page--;build();}});
document.getElementById("next").addEventListener("click",function(){page++;build();});
build();
var imgs=document.querySelectorAll("img[data-th]");
for(var q=0;q<imgs.length;q++){var t=D.thumbs[imgs[q].getAttribute("data-th")];if(t&&t[+imgs[q].getAttribute("data-k")])imgs[q].src=t[+imgs[q].getAttribute("data-k")];}
var ok=document.getElementById("js-ok");ok.textContent="table ready: "+rows.length+" rows";ok.setAttribute("data-ok","1");
})();
