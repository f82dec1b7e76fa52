/*
 * The syscalls of one embedded state store append (AtomicFiles.TryCreateAsync) and nothing else, timed:
 * create a temp file, write 400 bytes, fsync it, link it to <number>.json, fsync the folder, unlink the temp.
 * Its rate is the floor the embedded log cannot beat on a disk (see "Embedded commits per second: where the
 * time goes" in docs/benchmarks.md).
 *   gcc -O2 -o /tmp/commit-syscalls bench/commit-syscalls.c
 *   mkdir /tmp/cs && cd /tmp/cs && /tmp/commit-syscalls 2000 0
 * Mode 0: fsync, 1: fdatasync for the file, 2: no file flush, 3: no folder flush (2 and 3 are not durable).
 */
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <string.h>
#include <stdlib.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int argc,char**argv){int n=atoi(argv[1]);int mode=atoi(argv[2]);
 char buf[400];memset(buf,'x',sizeof buf);char tmp[256],name[256];
 int dfd=open(".",O_RDONLY);double tw=0,tf=0,tl=0,td=0,tu=0;double t0=now();
 for(int i=0;i<n;i++){snprintf(tmp,256,".t%d.tmp",i);snprintf(name,256,"%019d.json",i);
  double a=now();int fd=open(tmp,O_CREAT|O_EXCL|O_WRONLY,0644);write(fd,buf,sizeof buf);double b=now();
  if(mode==1)fdatasync(fd);else if(mode!=2) fsync(fd);close(fd);double c=now();
  link(tmp,name);double d=now();if(mode!=3) fsync(dfd);double e=now();unlink(tmp);double f=now();
  tw+=b-a;tf+=c-b;tl+=d-c;td+=e-d;tu+=f-e;}
 double t=now()-t0;printf("mode %d: %.0f commits/s  per commit: create+write %.0fus fsync(file) %.0fus link %.0fus fsync(dir) %.0fus unlink %.0fus\n",mode,n/t,tw/n*1e6,tf/n*1e6,tl/n*1e6,td/n*1e6,tu/n*1e6);}
