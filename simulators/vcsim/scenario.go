package main

// The simulated site (see simulators/SITE.md): inventory built in-process on
// top of the stock VPX model (DC0, cluster DC0_C0 with hosts DC0_C0_H0..H2,
// standalone host DC0_H0, DVS0 / DC0_DVPG0).

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	gib = int64(1) << 30
	tib = int64(1) << 40

	nfsHostName   = "esx-nfs01"
	prodDS        = "vmfs-prod01"
	scaleDS       = "vmfs-scale01"
	nfsDS         = "nfs-mt01"
	podName       = "pod-failback"
	readOnlyDS    = "vmfs-ro01"
	applianceDS   = "vmfs-fb01"
	appliancePod  = "pod-appliance"
	applianceName = "appliance01"
	network       = "DC0_DVPG0"

	// The deliberate disk UUID clash between mt-win01 and app01.
	clashUUID = "6000C29a-11fb-4c2e-9d1c-aa0001000001"
)

type site struct {
	ctx     context.Context
	c       *vim25.Client
	workdir string
	dc      *object.Datacenter
	folders *object.DatacenterFolders
	hosts   map[string]*object.HostSystem
	pools   map[string]types.ManagedObjectReference // host name -> resource pool
	ds      map[string]types.ManagedObjectReference
	netBack types.BaseVirtualDeviceBackingInfo
}

// diskUUID returns a deterministic, vSphere-looking virtual disk UUID.
func diskUUID(vm string, n int) string {
	h := sha1.Sum([]byte(fmt.Sprintf("%s/disk%d", vm, n)))
	x := hex.EncodeToString(h[:])
	return fmt.Sprintf("6000C29%s-%s-%s-%s-%s", x[0:1], x[1:5], x[5:9], x[9:13], x[13:25])
}

func buildSite(ctx context.Context, model *simulator.Model, workdir string) (*site, error) {
	c, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		return nil, err
	}
	s := &site{ctx: ctx, c: c, workdir: workdir,
		hosts: map[string]*object.HostSystem{},
		pools: map[string]types.ManagedObjectReference{},
		ds:    map[string]types.ManagedObjectReference{},
	}

	dcObj := simulator.Map.Any("Datacenter").(*simulator.Datacenter)
	s.dc = object.NewDatacenter(c, dcObj.Self)
	if s.folders, err = s.dc.Folders(ctx); err != nil {
		return nil, err
	}

	// A standalone host of its own for mt-win01, with NFS storage only.
	task, err := s.folders.HostFolder.AddStandaloneHost(ctx, types.HostConnectSpec{HostName: nfsHostName}, true, nil, nil)
	if err != nil {
		return nil, err
	}
	if _, err = task.WaitForResult(ctx, nil); err != nil {
		return nil, err
	}

	for _, e := range simulator.Map.All("HostSystem") {
		h := e.(*simulator.HostSystem)
		s.hosts[h.Name] = object.NewHostSystem(c, h.Self)
		switch p := simulator.Map.Get(*h.Parent).(type) {
		case *mo.ComputeResource:
			s.pools[h.Name] = *p.ResourcePool
		case *simulator.ClusterComputeResource:
			s.pools[h.Name] = *p.ResourcePool
		}
		simulator.Map.WithLock(h, func() {
			h.Summary.Hardware.MemorySize = 512 * gib
			h.Hardware.MemorySize = 512 * gib
			h.Summary.Hardware.NumCpuCores = 32
			h.Summary.Hardware.NumCpuThreads = 64
		})
	}
	for _, name := range []string{"DC0_H0", "DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", nfsHostName} {
		if s.hosts[name] == nil {
			return nil, fmt.Errorf("expected host %s in the VPX model", name)
		}
	}

	// VM network backing: the model's distributed port group.
	net := simulator.Map.FindByName(network, simulator.Map.Get(s.folders.NetworkFolder.Reference()).(*simulator.Folder).ChildEntity)
	if net == nil {
		return nil, fmt.Errorf("network %s not found", network)
	}
	if s.netBack, err = object.NewDistributedVirtualPortgroup(c, net.Reference()).EthernetCardBackingInfo(ctx); err != nil {
		return nil, err
	}

	// Join the standalone host to the model's distributed switch, like the other hosts.
	netFolder := simulator.Map.Get(s.folders.NetworkFolder.Reference()).(*simulator.Folder)
	if sw := simulator.Map.FindByName("DVS0", netFolder.ChildEntity); sw != nil {
		dvs := object.NewDistributedVirtualSwitch(c, sw.Reference())
		t, err := dvs.Reconfigure(ctx, &types.DVSConfigSpec{Host: []types.DistributedVirtualSwitchHostMemberConfigSpec{{
			Operation: string(types.ConfigSpecOperationAdd),
			Host:      s.hosts[nfsHostName].Reference(),
		}}})
		if err != nil {
			return nil, err
		}
		if err = t.Wait(ctx); err != nil {
			return nil, err
		}
	}

	clusterHosts := []string{"DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_H0"}
	if err = s.vmfs(prodDS, clusterHosts, 20*tib, 14*tib); err != nil {
		return nil, err
	}
	if err = s.nfs(nfsDS, nfsHostName, "nas01.failback.local", "/export/mt01", 8*tib, 5*tib); err != nil {
		return nil, err
	}
	if err = s.pod(podName, nfsDS); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *site) newDir(name string) (string, error) {
	dir := filepath.Join(s.workdir, "datastores", name)
	return dir, os.MkdirAll(dir, 0o700)
}

func hostDatastoreSystem(h *simulator.HostSystem) *simulator.HostDatastoreSystem {
	return simulator.Map.Get(*h.ConfigManager.DatastoreSystem).(*simulator.HostDatastoreSystem)
}

// mount makes datastore ds visible on host (as vCenter reports a shared datastore).
func (s *site) mount(ds *simulator.Datastore, hostName string, volume types.BaseHostFileSystemVolume, path string) {
	h := simulator.Map.Get(s.hosts[hostName].Reference()).(*simulator.HostSystem)
	dss := hostDatastoreSystem(h)
	add := func(list *[]types.ManagedObjectReference) {
		for _, r := range *list {
			if r == ds.Self {
				return
			}
		}
		*list = append(*list, ds.Self)
	}
	simulator.Map.WithLock(h, func() {
		add(&dss.Datastore)
		add(&h.Datastore)
		if h.Config != nil {
			if h.Config.FileSystemVolume == nil {
				h.Config.FileSystemVolume = &types.HostFileSystemVolumeInfo{}
			}
			h.Config.FileSystemVolume.MountInfo = append(h.Config.FileSystemVolume.MountInfo, types.HostFileSystemMountInfo{
				MountInfo: types.HostMountInfo{Path: path, AccessMode: string(types.HostMountModeReadWrite),
					Mounted: types.NewBool(true), Accessible: types.NewBool(true)},
				Volume: volume,
			})
		}
	})
	switch p := simulator.Map.Get(*h.Parent).(type) {
	case *mo.ComputeResource:
		simulator.Map.WithLock(p, func() { add(&p.Datastore) })
	case *simulator.ClusterComputeResource:
		simulator.Map.WithLock(p, func() { add(&p.Datastore) })
	}
	simulator.Map.WithLock(ds, func() {
		for _, m := range ds.Host {
			if m.Key == h.Self {
				return
			}
		}
		ds.Host = append(ds.Host, types.DatastoreHostMount{
			Key: h.Self,
			MountInfo: types.HostMountInfo{Path: path, AccessMode: string(types.HostMountModeReadWrite),
				Mounted: types.NewBool(true), Accessible: types.NewBool(true)},
		})
	})
}

func (s *site) vmfs(name string, hosts []string, capacity, free int64) error {
	dir, err := s.newDir(name)
	if err != nil {
		return err
	}
	dss, err := s.hosts[hosts[0]].ConfigManager().DatastoreSystem(s.ctx)
	if err != nil {
		return err
	}
	obj, err := dss.CreateLocalDatastore(s.ctx, name, dir)
	if err != nil {
		return err
	}
	ds := simulator.Map.Get(obj.Reference()).(*simulator.Datastore)
	sum := sha1.Sum([]byte(name))
	volUUID := fmt.Sprintf("%x-%x-%x-%x", sum[0:4], sum[4:8], sum[8:10], sum[10:16])
	vol := &types.HostVmfsVolume{
		HostFileSystemVolume: types.HostFileSystemVolume{Type: "VMFS", Name: name, Capacity: capacity},
		BlockSizeMb:          1,
		MaxBlocks:            int32(capacity >> 20),
		MajorVersion:         6,
		Version:              "6.82",
		Uuid:                 volUUID,
		Extent:               []types.HostScsiDiskPartition{{DiskName: "naa.6000c29" + hex.EncodeToString(sum[:12]), Partition: 1}},
		VmfsUpgradable:       false,
		Ssd:                  types.NewBool(true),
		Local:                types.NewBool(false),
	}
	simulator.Map.WithLock(ds, func() {
		old := ds.Info.GetDatastoreInfo()
		info := *old
		info.FreeSpace = free
		info.MaxFileSize = 62 * tib
		info.MaxVirtualDiskCapacity = 62 * tib
		now := time.Now()
		info.Timestamp = &now
		ds.Info = &types.VmfsDatastoreInfo{DatastoreInfo: info, MaxPhysicalRDMFileSize: 62 * tib, MaxVirtualRDMFileSize: 62 * tib, Vmfs: vol}
		ds.Summary.Type = "VMFS"
		ds.Summary.Capacity = capacity
		ds.Summary.FreeSpace = free
		ds.Summary.MultipleHostAccess = types.NewBool(len(hosts) > 1)
		ds.Host = nil
	})
	for _, h := range hosts {
		s.mount(ds, h, vol, "/vmfs/volumes/"+volUUID)
	}
	s.ds[name] = ds.Self
	return nil
}

func (s *site) nfs(name, hostName, remoteHost, remotePath string, capacity, free int64) error {
	dir, err := s.newDir(name)
	if err != nil {
		return err
	}
	dss, err := s.hosts[hostName].ConfigManager().DatastoreSystem(s.ctx)
	if err != nil {
		return err
	}
	obj, err := dss.CreateNasDatastore(s.ctx, types.HostNasVolumeSpec{
		RemoteHost: remoteHost, RemotePath: remotePath, LocalPath: dir,
		AccessMode: string(types.HostMountModeReadWrite), Type: "NFS",
	})
	if err != nil {
		return err
	}
	ds := simulator.Map.Get(obj.Reference()).(*simulator.Datastore)
	vol := &types.HostNasVolume{
		HostFileSystemVolume: types.HostFileSystemVolume{Type: "NFS", Name: name, Capacity: capacity},
		RemoteHost:           remoteHost, RemotePath: remotePath, RemoteHostNames: []string{remoteHost},
	}
	simulator.Map.WithLock(ds, func() {
		info := *ds.Info.GetDatastoreInfo()
		info.Name = name
		info.FreeSpace = free
		info.MaxFileSize = 62 * tib
		info.MaxVirtualDiskCapacity = 62 * tib
		ds.Info = &types.NasDatastoreInfo{DatastoreInfo: info, Nas: vol}
		ds.Summary.Type = "NFS"
		ds.Summary.Capacity = capacity
		ds.Summary.FreeSpace = free
		ds.Summary.MultipleHostAccess = types.NewBool(false)
	})
	s.mount(ds, hostName, vol, "/vmfs/volumes/"+name)
	s.ds[name] = ds.Self
	return nil
}

func (s *site) pod(name string, members ...string) error {
	pod, err := s.folders.DatastoreFolder.CreateStoragePod(s.ctx, name)
	if err != nil {
		return err
	}
	var refs []types.ManagedObjectReference
	var capacity, free int64
	for _, m := range members {
		refs = append(refs, s.ds[m])
		d := simulator.Map.Get(s.ds[m]).(*simulator.Datastore)
		capacity += d.Summary.Capacity
		free += d.Summary.FreeSpace
	}
	task, err := pod.MoveInto(s.ctx, refs)
	if err != nil {
		return err
	}
	if err = task.Wait(s.ctx); err != nil {
		return err
	}
	p := simulator.Map.Get(pod.Reference()).(*simulator.StoragePod)
	simulator.Map.WithLock(p, func() {
		p.Summary = &types.StoragePodSummary{Name: name, Capacity: capacity, FreeSpace: free}
		cfg := &p.PodStorageDrsEntry.StorageDrsConfig.PodConfig
		cfg.Enabled = true
		cfg.DefaultVmBehavior = string(types.StorageDrsPodConfigInfoBehaviorAutomated)
		cfg.IoLoadBalanceEnabled = true
		cfg.LoadBalanceInterval = 480
		cfg.DefaultIntraVmAffinity = types.NewBool(true)
		cfg.SpaceLoadBalanceConfig = &types.StorageDrsSpaceLoadBalanceConfig{
			SpaceThresholdMode: "utilization", SpaceUtilizationThreshold: 80, MinSpaceUtilizationDifference: 5}
		cfg.IoLoadBalanceConfig = &types.StorageDrsIoLoadBalanceConfig{IoLatencyThreshold: 15, IoLoadImbalanceThreshold: 5}
		p.PodStorageDrsEntry.StorageDrsConfig.VmConfig = nil
	})
	return nil
}

// vmSpec describes one VM to create.
type vmSpec struct {
	name       string
	guestID    string
	fullName   string
	host       string
	datastore  string
	cpus       int32
	memoryMB   int64
	controller string // object.VirtualDeviceList.CreateSCSIController name: lsilogic-sas, pvscsi, ...
	diskGB     []int64
	diskUUID   []string // optional per disk override
	nics       int
	nicType    string
	extra      map[string]string
	poweredOn  bool
}

// create makes the VM through the in-process vSphere API (CreateVM_Task,
// PowerOnVM_Task) and returns the simulator object.
func (s *site) create(v vmSpec) (*simulator.VirtualMachine, error) {
	var devices object.VirtualDeviceList
	ctrl, err := devices.CreateSCSIController(v.controller)
	if err != nil {
		return nil, err
	}
	devices = append(devices, ctrl)
	dsRef := s.ds[v.datastore]
	for i, gb := range v.diskGB {
		file := fmt.Sprintf("[%s] %s/%s.vmdk", v.datastore, v.name, v.name)
		if i > 0 {
			file = fmt.Sprintf("[%s] %s/%s_%d.vmdk", v.datastore, v.name, v.name, i)
		}
		disk := devices.CreateDisk(ctrl.(types.BaseVirtualController), dsRef, file)
		disk.CapacityInKB = gb << 20
		disk.CapacityInBytes = gb << 30
		b := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
		b.ThinProvisioned = types.NewBool(true)
		b.Uuid = diskUUID(v.name, i)
		if i < len(v.diskUUID) && v.diskUUID[i] != "" {
			b.Uuid = v.diskUUID[i]
		}
		devices = append(devices, disk)
	}
	for i := 0; i < v.nics; i++ {
		nic, err := devices.CreateEthernetCard(v.nicType, s.netBack)
		if err != nil {
			return nil, err
		}
		devices = append(devices, nic)
	}
	spec := types.VirtualMachineConfigSpec{
		Name:              v.name,
		GuestId:           v.guestID,
		NumCPUs:           v.cpus,
		NumCoresPerSocket: 1,
		MemoryMB:          v.memoryMB,
		Files:             &types.VirtualMachineFileInfo{VmPathName: "[" + v.datastore + "]"},
		Firmware:          string(types.GuestOsDescriptorFirmwareTypeEfi),
	}
	for k, val := range v.extra {
		spec.ExtraConfig = append(spec.ExtraConfig, &types.OptionValue{Key: k, Value: val})
	}
	if spec.DeviceChange, err = devices.ConfigSpec(types.VirtualDeviceConfigSpecOperationAdd); err != nil {
		return nil, err
	}
	pool := object.NewResourcePool(s.c, s.pools[v.host])
	task, err := s.folders.VmFolder.CreateVM(s.ctx, spec, pool, s.hosts[v.host])
	if err != nil {
		return nil, err
	}
	info, err := task.WaitForResult(s.ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", v.name, err)
	}
	ref := info.Result.(types.ManagedObjectReference)
	if v.poweredOn {
		t, err := object.NewVirtualMachine(s.c, ref).PowerOn(s.ctx)
		if err != nil {
			return nil, err
		}
		if err = t.Wait(s.ctx); err != nil {
			return nil, fmt.Errorf("power on %s: %w", v.name, err)
		}
	}
	vm := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	simulator.Map.WithLock(vm, func() {
		vm.Config.GuestFullName = v.fullName
		vm.Summary.Config.GuestFullName = v.fullName
		vm.Summary.Config.GuestId = v.guestID
		vm.Guest.GuestId = v.guestID
		vm.Guest.GuestFullName = v.fullName
		vm.Summary.Guest.GuestId = v.guestID
		vm.Summary.Guest.GuestFullName = v.fullName
	})
	return vm, nil
}

// guest.disk carries no mappings: GuestDiskInfo.mappings is vSphere 7.0 API and
// this vcsim speaks 6.5, so pyVmomi would fail to parse it.
type guestState struct {
	running  bool
	version  string // tools version status2
	status   types.VirtualMachineToolsStatus
	hostName string
	ips      []string // per NIC
	disks    []types.GuestDiskInfo
}

// setGuest sets the guest/tools view a running VMware Tools would report.
func setGuest(vm *simulator.VirtualMachine, g guestState) {
	simulator.Map.WithLock(vm, func() {
		gi := vm.Guest
		if g.running {
			gi.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			gi.GuestState = "running"
			gi.GuestOperationsReady = types.NewBool(true)
			gi.InteractiveGuestOperationsReady = types.NewBool(false)
		} else {
			gi.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
			gi.GuestState = "notRunning"
			gi.GuestOperationsReady = types.NewBool(false)
		}
		gi.ToolsVersionStatus2 = g.version
		switch types.VirtualMachineToolsVersionStatus(g.version) {
		case types.VirtualMachineToolsVersionStatusGuestToolsNotInstalled:
			gi.ToolsVersionStatus = g.version
			gi.ToolsVersion = "0"
			vm.Config.Tools.ToolsVersion = 0
		default:
			gi.ToolsVersionStatus = string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent)
			gi.ToolsVersion = "11333"
			vm.Config.Tools.ToolsVersion = 11333
		}
		gi.ToolsStatus = g.status
		gi.HostName = g.hostName
		gi.Disk = g.disks
		gi.IpAddress = ""
		for i := range gi.Net {
			gi.Net[i].IpAddress = nil
			if i < len(g.ips) && g.ips[i] != "" {
				gi.Net[i].IpAddress = []string{g.ips[i]}
				gi.Net[i].Connected = true
			}
		}
		if len(g.ips) > 0 {
			gi.IpAddress = g.ips[0]
		}
		if vm.Summary.Guest == nil {
			vm.Summary.Guest = &types.VirtualMachineGuestSummary{}
		}
		sg := vm.Summary.Guest
		sg.ToolsStatus = gi.ToolsStatus
		sg.ToolsVersionStatus = gi.ToolsVersionStatus
		sg.ToolsVersionStatus2 = gi.ToolsVersionStatus2
		sg.ToolsRunningStatus = gi.ToolsRunningStatus
		sg.HostName = gi.HostName
		sg.IpAddress = gi.IpAddress
		if g.running {
			vm.Summary.QuickStats.GuestHeartbeatStatus = types.ManagedEntityStatusGreen
			vm.GuestHeartbeatStatus = types.ManagedEntityStatusGreen
		} else {
			vm.Summary.QuickStats.GuestHeartbeatStatus = types.ManagedEntityStatusGray
			vm.GuestHeartbeatStatus = types.ManagedEntityStatusGray
		}
	})
}

func (s *site) snapshot(vm *simulator.VirtualMachine, name, desc string) error {
	t, err := object.NewVirtualMachine(s.c, vm.Self).CreateSnapshot(s.ctx, name, desc, false, false)
	if err != nil {
		return err
	}
	return t.Wait(s.ctx)
}

// failbackSite creates the named VMs of SITE.md.
func (s *site) failbackSite() error {
	win, winName := string(types.VirtualMachineGuestOsIdentifierWindows9Server64Guest), "Microsoft Windows Server 2016 (64-bit)"
	rhel, rhelName := string(types.VirtualMachineGuestOsIdentifierRhel7_64Guest), "Red Hat Enterprise Linux 7 (64-bit)"

	// Failback VMs first (mt-win01 reuses app01's disk uuid). Powered off: failed over to Azure.
	for _, v := range []vmSpec{
		{name: "app01", guestID: win, fullName: winName, host: "DC0_C0_H0", datastore: prodDS, cpus: 2, memoryMB: 8192,
			controller: "lsilogic-sas", diskGB: []int64{60}, diskUUID: []string{clashUUID}, nics: 1, nicType: "vmxnet3"},
		{name: "db01", guestID: win, fullName: winName, host: "DC0_C0_H1", datastore: prodDS, cpus: 4, memoryMB: 16384,
			controller: "lsilogic-sas", diskGB: []int64{80, 200}, nics: 1, nicType: "vmxnet3"},
		{name: "web01", guestID: rhel, fullName: rhelName, host: "DC0_C0_H2", datastore: prodDS, cpus: 2, memoryMB: 4096,
			controller: "pvscsi", diskGB: []int64{40}, nics: 1, nicType: "vmxnet3"},
		{name: "web02", guestID: rhel, fullName: rhelName, host: "DC0_C0_H2", datastore: prodDS, cpus: 2, memoryMB: 4096,
			controller: "pvscsi", diskGB: []int64{40}, nics: 1, nicType: "vmxnet3"},
	} {
		vm, err := s.create(v)
		if err != nil {
			return err
		}
		setGuest(vm, guestState{running: false, version: string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent),
			status: types.VirtualMachineToolsStatusToolsNotRunning})
	}

	cs, err := s.create(vmSpec{name: "cs01", guestID: win, fullName: winName, host: "DC0_C0_H0", datastore: prodDS,
		cpus: 8, memoryMB: 16384, controller: "lsilogic-sas", diskGB: []int64{100, 600}, nics: 2, nicType: "vmxnet3",
		extra: map[string]string{"disk.EnableUUID": "TRUE"}, poweredOn: true})
	if err != nil {
		return err
	}
	setGuest(cs, guestState{running: true, version: string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent),
		status: types.VirtualMachineToolsStatusToolsOk, hostName: "cs01.failback.local", ips: []string{"10.0.0.10", "10.0.1.10"},
		disks: []types.GuestDiskInfo{
			{DiskPath: `C:\`, Capacity: 100 * gib, FreeSpace: 61 * gib, FilesystemType: "NTFS"},
			{DiskPath: `E:\`, Capacity: 600 * gib, FreeSpace: 420 * gib, FilesystemType: "NTFS"},
		}})

	mtw, err := s.create(vmSpec{name: "mt-win01", guestID: win, fullName: winName, host: nfsHostName, datastore: nfsDS,
		cpus: 4, memoryMB: 16384, controller: "pvscsi", diskGB: []int64{80, 60}, diskUUID: []string{"", clashUUID},
		nics: 1, nicType: "vmxnet3", poweredOn: true})
	if err != nil {
		return err
	}
	for _, n := range [][2]string{{"before-patch", "state before Windows updates"}, {"after-patch", "state after Windows updates"}} {
		if err := s.snapshot(mtw, n[0], n[1]); err != nil {
			return err
		}
	}
	setGuest(mtw, guestState{running: false, version: string(types.VirtualMachineToolsVersionStatusGuestToolsNotInstalled),
		status: types.VirtualMachineToolsStatusToolsNotInstalled,
		disks:  []types.GuestDiskInfo{{DiskPath: `C:\`, Capacity: 80 * gib, FreeSpace: 31 * gib, FilesystemType: "NTFS"}}})

	mtl, err := s.create(vmSpec{name: "mt-lnx01", guestID: rhel, fullName: rhelName, host: "DC0_C0_H1", datastore: prodDS,
		cpus: 4, memoryMB: 16384, controller: "lsilogic-sas", diskGB: []int64{50, 100}, nics: 1, nicType: "vmxnet3",
		extra: map[string]string{"disk.EnableUUID": "TRUE"}, poweredOn: true})
	if err != nil {
		return err
	}
	setGuest(mtl, guestState{running: true, version: string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent),
		status: types.VirtualMachineToolsStatusToolsOk, hostName: "mt-lnx01.failback.local", ips: []string{"10.0.0.31"},
		disks: []types.GuestDiskInfo{
			{DiskPath: "/", Capacity: 50 * gib, FreeSpace: 38 * gib, FilesystemType: "xfs"},
			{DiskPath: "/mnt/retention", Capacity: 100 * gib, FreeSpace: 92 * gib, FilesystemType: "xfs"},
		}})
	return s.modernized()
}

// The modernized side of the site, on the standalone host DC0_H0 (which no classic VM uses): the
// replication appliance's VM, its disks on vmfs-fb01 in pod-appliance (Storage DRS automated, no
// override for it: app.storage-drs fails until app.exclude-storage-drs); DC0_H0 also mounts the failback
// VMs' vmfs-prod01 read-write (app.datastore-access passes at the original location) and vmfs-ro01
// read-only (it fails there); and the vCenter accounts Site Recovery may use, with the role
// Microsoft's failback permission table describes.
func (s *site) modernized() error {
	if err := s.vmfs(applianceDS, []string{"DC0_H0"}, 2*tib, 1*tib); err != nil {
		return err
	}
	if err := s.pod(appliancePod, applianceDS); err != nil {
		return err
	}
	app, err := s.create(vmSpec{name: applianceName, guestID: string(types.VirtualMachineGuestOsIdentifierWindows2019srv_64Guest),
		fullName: "Microsoft Windows Server 2019 (64-bit)", host: "DC0_H0", datastore: applianceDS, cpus: 16, memoryMB: 32768,
		controller: "lsilogic-sas", diskGB: []int64{150, 1024}, nics: 1, nicType: "vmxnet3",
		extra: map[string]string{"disk.EnableUUID": "TRUE"}, poweredOn: true})
	if err != nil {
		return err
	}
	setGuest(app, guestState{running: true, version: string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent),
		status: types.VirtualMachineToolsStatusToolsOk, hostName: applianceName + ".corp.example", ips: []string{"10.0.0.20"},
		disks: []types.GuestDiskInfo{
			{DiskPath: `C:\`, Capacity: 150 * gib, FreeSpace: 90 * gib, FilesystemType: "NTFS"},
			{DiskPath: `E:\`, Capacity: 1024 * gib, FreeSpace: 700 * gib, FilesystemType: "NTFS"},
		}})

	if err := s.vmfs(readOnlyDS, []string{"DC0_H0"}, 4*tib, 3*tib); err != nil {
		return err
	}
	ds := simulator.Map.Get(s.ds[readOnlyDS]).(*simulator.Datastore)
	simulator.Map.WithLock(ds, func() {
		for i := range ds.Host {
			ds.Host[i].MountInfo.AccessMode = string(types.HostMountModeReadOnly)
		}
	})

	am := object.NewAuthorizationManager(s.c)
	var partial []string
	for _, id := range failbackPrivileges {
		if id != "VirtualMachine.Inventory.Register" && id != "Datastore.FileManagement" {
			partial = append(partial, id)
		}
	}
	// This vcsim's AddAuthorizationRole does not answer the new role's id: read it back by name.
	ids := map[string]int32{}
	for name, privileges := range map[string][]string{"Azure_Site_Recovery": failbackPrivileges, "ASR_without_register": partial} {
		if _, err := am.AddRole(s.ctx, name, privileges); err != nil {
			return err
		}
	}
	roles, err := am.RoleList(s.ctx)
	if err != nil {
		return err
	}
	for _, role := range roles {
		ids[role.Name] = role.RoleId
	}
	full, some := ids["Azure_Site_Recovery"], ids["ASR_without_register"]
	if full == some {
		return fmt.Errorf("roles: expected two distinct role ids, got %d", full)
	}
	dc := s.dc.Reference()
	return am.SetEntityPermissions(s.ctx, dc, []types.Permission{
		{Entity: &dc, Principal: `VSPHERE.LOCAL\asr-appliance`, RoleId: full, Propagate: true},
		{Entity: &dc, Principal: `VSPHERE.LOCAL\asr-partial`, RoleId: some, Propagate: true},
		{Entity: &dc, Principal: `VSPHERE.LOCAL\asr-readonly`, RoleId: -2, Propagate: true},
	})
}

// What Microsoft's table lists for "full replication, failover, failback" (vmware-azure-tutorial-
// prepare-on-premises), as privilege ids: the role a careful administrator creates.
var failbackPrivileges = []string{
	"Datastore.AllocateSpace", "Datastore.Browse", "Datastore.FileManagement", "Datastore.DeleteFile",
	"Datastore.UpdateVirtualMachineFiles", "Network.Assign",
	"Resource.AssignVMToPool", "Resource.ColdMigrate", "Resource.HotMigrate", "Task.Create", "Task.Update",
	"VirtualMachine.Config.AddExistingDisk", "VirtualMachine.Config.AddNewDisk", "VirtualMachine.Config.AddRemoveDevice",
	"VirtualMachine.Config.AdvancedConfig", "VirtualMachine.Config.CPUCount", "VirtualMachine.Config.DiskExtend",
	"VirtualMachine.Config.DiskLease", "VirtualMachine.Config.EditDevice", "VirtualMachine.Config.Memory",
	"VirtualMachine.Config.RemoveDisk", "VirtualMachine.Config.Rename", "VirtualMachine.Config.Resource",
	"VirtualMachine.Config.Settings",
	"VirtualMachine.Interact.AnswerQuestion", "VirtualMachine.Interact.DeviceConnection",
	"VirtualMachine.Interact.SetCDMedia", "VirtualMachine.Interact.SetFloppyMedia", "VirtualMachine.Interact.PowerOff",
	"VirtualMachine.Interact.PowerOn", "VirtualMachine.Interact.ToolsInstall",
	"VirtualMachine.Inventory.Create", "VirtualMachine.Inventory.Register", "VirtualMachine.Inventory.Unregister",
	"VirtualMachine.Provisioning.GetVmFiles", "VirtualMachine.Provisioning.PutVmFiles",
	"VirtualMachine.State.RemoveSnapshot",
}

// scale adds n powered-on VMs vm-00001.. spread over the cluster hosts and DC0_H0.
func (s *site) scale(n int) error {
	hosts := []string{"DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_H0"}
	if err := s.vmfs(scaleDS, hosts, 1024*tib, 900*tib); err != nil {
		return err
	}
	win, winName := string(types.VirtualMachineGuestOsIdentifierWindows9Server64Guest), "Microsoft Windows Server 2016 (64-bit)"
	rhel, rhelName := string(types.VirtualMachineGuestOsIdentifierRhel7_64Guest), "Red Hat Enterprise Linux 7 (64-bit)"
	started := time.Now()
	for i := 1; i <= n; i++ {
		if i%1000 == 0 {
			log.Printf("scale: %d VMs after %s", i, time.Since(started).Round(time.Millisecond))
		}
		v := vmSpec{name: fmt.Sprintf("vm-%05d", i), host: hosts[i%len(hosts)], datastore: scaleDS, cpus: 2,
			memoryMB: 4096, diskGB: []int64{40}, nics: 1, nicType: "vmxnet3", poweredOn: true}
		path := "/"
		fs := "xfs"
		if i%2 == 0 {
			v.guestID, v.fullName, v.controller = win, winName, "lsilogic-sas"
			path, fs = `C:\`, "NTFS"
		} else {
			v.guestID, v.fullName, v.controller = rhel, rhelName, "pvscsi"
		}
		vm, err := s.create(v)
		if err != nil {
			return err
		}
		setGuest(vm, guestState{running: true, version: string(types.VirtualMachineToolsVersionStatusGuestToolsCurrent),
			status: types.VirtualMachineToolsStatusToolsOk, hostName: v.name + ".failback.local",
			ips:   []string{fmt.Sprintf("10.2.%d.%d", i/250, i%250+1)},
			disks: []types.GuestDiskInfo{{DiskPath: path, Capacity: 40 * gib, FreeSpace: 25 * gib, FilesystemType: fs}}})
	}
	return nil
}
